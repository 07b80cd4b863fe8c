# qtune_add_plugin(<target> SOURCES ...): one plugin = one MODULE library that links only the SDK.
# Symbols are hidden; the single exported entry comes from QTUNE_PLUGIN (BOOST_DLL_ALIAS).
function(qtune_add_plugin target)
  cmake_parse_arguments(P "" "OUTPUT_DIR" "SOURCES;LIBS" ${ARGN})
  if(NOT P_OUTPUT_DIR)
    set(P_OUTPUT_DIR ${QTUNE_PLUGIN_BUILD_DIR})
  endif()
  add_library(${target} MODULE ${P_SOURCES})
  target_link_libraries(${target} PRIVATE qtune::sdk ${P_LIBS})
  set_target_properties(${target} PROPERTIES
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    PREFIX "libqtune_"
    LIBRARY_OUTPUT_DIRECTORY ${P_OUTPUT_DIR})
  if(P_OUTPUT_DIR STREQUAL QTUNE_PLUGIN_BUILD_DIR)
    install(TARGETS ${target} LIBRARY DESTINATION ${QTUNE_PLUGIN_INSTALL_DIR})
  endif()
endfunction()

# qtune_add_contract(<target> SOURCES ...): a model contract, also a MODULE linking only the SDK.
function(qtune_add_contract target)
  cmake_parse_arguments(C "" "OUTPUT_DIR" "SOURCES;LIBS" ${ARGN})
  if(NOT C_OUTPUT_DIR)
    set(C_OUTPUT_DIR ${CMAKE_BINARY_DIR}/contracts)
  endif()
  add_library(${target} MODULE ${C_SOURCES})
  target_link_libraries(${target} PRIVATE qtune::sdk ${C_LIBS})
  set_target_properties(${target} PROPERTIES
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    PREFIX "lib"
    LIBRARY_OUTPUT_DIRECTORY ${C_OUTPUT_DIR})
endfunction()
