#pragma once
// model.info: a readable dump of an .espdl model, laid out as esp-ppq's model.info
// (reference §5.1, helper.printable_graph) so a person can diff qtune's file against the
// reference's: metadata, the graph header (inputs with exponents, initializers), one line
// per node `%out = Op[attr = value, ...](%in, ...)`, then every initializer's values,
// the value infos, and the test values. Integer arrays are printed as numpy's repr does.
#include <string>

#include "export/espdl_model.h"

namespace qtune {

std::string espdl_info_text(const EspdlModel& model);

// One tensor's values as numpy's repr prints them ("array([ 1, -2], dtype=int8)").
std::string numpy_array_repr(const EspdlTensor& tensor, bool padded);

}  // namespace qtune
