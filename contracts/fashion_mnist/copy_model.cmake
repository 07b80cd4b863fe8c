# cmake -DSRC=<model.onnx> -DDST=<folder> -P copy_model.cmake
# Copies an example model next to its contract library when the model exists. The models
# come from examples/fashion_mnist/train.py, so a missing one is a warning, not a failed build.
if(EXISTS "${SRC}")
  file(COPY "${SRC}" DESTINATION "${DST}")
else()
  message(WARNING "${SRC} not found: run examples/fashion_mnist/train.py, then rebuild to copy it next to the contract")
endif()
