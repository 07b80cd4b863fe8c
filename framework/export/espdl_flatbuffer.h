#pragma once
// EspdlModel <-> the FlatBuffer payload of a .espdl file (schema: export/espdl.fbs, C++
// generated at build time). What is written follows esp-ppq's exporter (reference §5.4):
// opset_import always present and empty, every tensor's data as 16-byte AlignedBytes
// (zero padded), exponents on every tensor and ValueInfo, node attributes sorted by name.
#include <cstdint>
#include <span>
#include <string>

#include "export/espdl_model.h"

namespace qtune {

// The FlatBuffer bytes (no container header). Error for a value the format cannot hold.
std::string encode_espdl_flatbuffer(const EspdlModel& model);

// Verifies `payload` with flatbuffers::Verifier, then reads it. InputError naming `source`
// and what is wrong (not a FlatBuffer of this schema, no graph, a node without op_type,
// raw data shorter than the tensor's shape, an unknown element type, ...).
EspdlModel decode_espdl_flatbuffer(std::span<const std::uint8_t> payload, const std::string& source);

}  // namespace qtune
