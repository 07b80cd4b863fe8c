#pragma once
// The .espdl file: the EDL2 container (reference §5.2) around the FlatBuffer payload.
//   bytes 0-3   "EDL2"
//   bytes 4-7   uint32 LE mode: 0 plain, 1 AES-128-CTR (qtune writes 0 and cannot read 1)
//   bytes 8-11  uint32 LE payload length (esp-ppq writes no trailing padding)
//   bytes 12-15 zero
//   bytes 16-   the FlatBuffer (export/espdl_flatbuffer.h)
// The header is 16 bytes so the payload, and with it every 16-byte aligned raw_data
// vector, stays aligned when the file sits at an aligned flash address (zero copy).
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "export/espdl_model.h"

namespace qtune {

inline constexpr std::size_t kEspdlHeaderSize = 16;

// Header + FlatBuffer of `model`.
std::string serialize_espdl(const EspdlModel& model);
// `bytes` of a whole .espdl file -> model. InputError naming `source` and what is wrong:
// too short for the header, not "EDL2" (a PDL package, EDL1, or another file), encrypted,
// a payload length that disagrees with the file size, or a payload the FlatBuffer
// Verifier rejects.
EspdlModel parse_espdl(std::string_view bytes, const std::string& source);

// Atomic write (temp file + rename).
void write_espdl_file(const std::filesystem::path& path, const EspdlModel& model);
EspdlModel read_espdl_file(const std::filesystem::path& path);

}  // namespace qtune
