#pragma once
// The ir_version an ONNX file declares (the .espdl export copies it, as esp-ppq does).
#include <cstdint>
#include <filesystem>
#include <optional>

namespace qtune {

// nullopt when the file cannot be read or parsed (the caller falls back to a default).
std::optional<std::int64_t> onnx_ir_version(const std::filesystem::path& path);

}  // namespace qtune
