# qtune_add_subfolders(): add every direct sub-folder that has a CMakeLists.txt, so adding
# a plugin or contract is a new folder and no edit here (passes/, analysers/, ...).
function(qtune_add_subfolders)
  file(GLOB children LIST_DIRECTORIES true CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*)
  foreach(child ${children})
    if(IS_DIRECTORY ${child} AND EXISTS ${child}/CMakeLists.txt)
      add_subdirectory(${child})
    endif()
  endforeach()
endfunction()

# A MODULE library linking only the SDK, symbols hidden: its single export comes from
# QTUNE_PLUGIN / QTUNE_CONTRACT (BOOST_DLL_ALIAS).
function(_qtune_add_module target prefix output_dir sources libs)
  add_library(${target} MODULE ${sources})
  target_link_libraries(${target} PRIVATE qtune::sdk ${libs})
  set_target_properties(${target} PROPERTIES
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    PREFIX "${prefix}"
    LIBRARY_OUTPUT_DIRECTORY ${output_dir})
endfunction()

# qtune_add_plugin(<target> SOURCES ... [LIBS ...] [OUTPUT_DIR dir]): one pass, analyser or
# strategy plugin, built into the plugin folder the host scans (and installed there).
function(qtune_add_plugin target)
  cmake_parse_arguments(P "" "OUTPUT_DIR" "SOURCES;LIBS" ${ARGN})
  if(NOT P_OUTPUT_DIR)
    set(P_OUTPUT_DIR ${QTUNE_PLUGIN_BUILD_DIR})
  endif()
  _qtune_add_module(${target} "libqtune_" "${P_OUTPUT_DIR}" "${P_SOURCES}" "${P_LIBS}")
  if(P_OUTPUT_DIR STREQUAL QTUNE_PLUGIN_BUILD_DIR)
    install(TARGETS ${target} LIBRARY DESTINATION ${QTUNE_PLUGIN_INSTALL_DIR})
    # Tests and examples that run the real pipeline depend on every shipped plugin.
    set_property(GLOBAL APPEND PROPERTY QTUNE_SHIPPED_PLUGINS ${target})
  endif()
endfunction()

# qtune_add_contract(<target> SOURCES ... [LIBS ...] [OUTPUT_DIR dir]): a model contract.
function(qtune_add_contract target)
  cmake_parse_arguments(C "" "OUTPUT_DIR" "SOURCES;LIBS" ${ARGN})
  if(NOT C_OUTPUT_DIR)
    set(C_OUTPUT_DIR ${CMAKE_BINARY_DIR}/contracts)
  endif()
  _qtune_add_module(${target} "lib" "${C_OUTPUT_DIR}" "${C_SOURCES}" "${C_LIBS}")
endfunction()
