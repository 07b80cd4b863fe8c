#pragma once
// Atomic file writes: write a sibling temp file, flush, then rename over the target, so
// readers see the old content or the new one, never half of it.
#include <filesystem>
#include <string_view>

namespace qtune {

void write_file_atomic(const std::filesystem::path& path, std::string_view content);
// Whole file as a string; InputError naming the file when it cannot be read.
std::string read_file(const std::filesystem::path& path);

}  // namespace qtune
