#pragma once
// ArtifactStore: one folder of artifacts (an outputs/iter_N, or outputs/ itself).
// Writes are atomic (temp file + rename): a crash never leaves half a file.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <boost/config.hpp>

namespace qtune {

class BOOST_SYMBOL_VISIBLE ArtifactStore {
 public:
  virtual ~ArtifactStore();
  virtual std::filesystem::path directory() const = 0;
  // Write `name` (relative to directory()) atomically.
  virtual void write_text(const std::string& name, std::string_view content) = 0;
  // Content of `name`, or nullopt when it does not exist.
  virtual std::optional<std::string> read_text(const std::string& name) const = 0;
};

}  // namespace qtune
