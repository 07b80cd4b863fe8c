#include "artifacts/directory_artifact_store.h"

#include <algorithm>

#include <fmt/format.h>

#include "artifacts/atomic_file.h"
#include "qtune/error.h"

namespace qtune {

std::filesystem::path DirectoryArtifactStore::checked(const std::string& name) const {
  const std::filesystem::path rel(name);
  bool escapes = name.empty() || rel.is_absolute();
  for (const auto& part : rel)
    if (part == "..") escapes = true;
  if (escapes)
    throw Error(fmt::format("artifact name '{}' must be a relative path inside {}", name, directory_.string()));
  return directory_ / rel;
}

void DirectoryArtifactStore::write_text(const std::string& name, std::string_view content) {
  write_file_atomic(checked(name), content);
  std::lock_guard<std::mutex> lock(mutex_);
  if (std::find(written_.begin(), written_.end(), name) == written_.end()) written_.push_back(name);
}

std::optional<std::string> DirectoryArtifactStore::read_text(const std::string& name) const {
  const std::filesystem::path path = checked(name);
  if (!std::filesystem::is_regular_file(path)) return std::nullopt;
  return read_file(path);
}

std::vector<std::string> DirectoryArtifactStore::written() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return written_;
}

}  // namespace qtune
