#pragma once
// DirectoryArtifactStore: the ArtifactStore (qtune/artifacts.h) over one folder, e.g. an
// iteration's outputs/iter_N. Writes go through write_file_atomic; names must stay inside
// the folder (relative, no ".."). It remembers what was written, in order, so the
// iteration can record each artifact's path.
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "qtune/artifacts.h"

namespace qtune {

class DirectoryArtifactStore final : public ArtifactStore {
 public:
  explicit DirectoryArtifactStore(std::filesystem::path directory) : directory_(std::move(directory)) {}

  std::filesystem::path directory() const override { return directory_; }
  void write_text(const std::string& name, std::string_view content) override;
  std::optional<std::string> read_text(const std::string& name) const override;

  // Names written through this store, first write first (each name once).
  std::vector<std::string> written() const;

 private:
  std::filesystem::path checked(const std::string& name) const;

  std::filesystem::path directory_;
  mutable std::mutex mutex_;
  std::vector<std::string> written_;
};

}  // namespace qtune
