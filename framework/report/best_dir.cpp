#include "report/best_dir.h"

#include <fmt/format.h>

#include "artifacts/atomic_file.h"
#include "qtune/error.h"

namespace fs = std::filesystem;

namespace qtune::report {
namespace {

const char* const kJsonFiles[] = {"setting.json", "metrics.json", "iteration_index.json"};
const char* const kModelSidecars[] = {"model.info", "model.json"};
constexpr const char* kModelFile = "model.espdl";

bool entry_exists(const fs::path& path) {
  std::error_code ec;
  return fs::exists(fs::symlink_status(path, ec));
}

void remove_entry(const fs::path& path, BestDirResult& result) {
  if (!entry_exists(path)) return;
  std::error_code ec;
  fs::remove(path, ec);
  if (ec) throw Error(fmt::format("cannot remove {}: {}", path.string(), ec.message()));
  result.removed.push_back(path.filename().string());
}

// dst -> src as a relative symlink (outputs/ stays movable), replaced atomically;
// a copy when the file system refuses links.
void link_or_copy(const fs::path& src, const fs::path& dst) {
  const fs::path temp = dst.parent_path() / (dst.filename().string() + ".tmp-link");
  std::error_code ec;
  fs::remove(temp, ec);
  fs::create_symlink(fs::relative(src, dst.parent_path()), temp, ec);
  if (!ec) {
    fs::rename(temp, dst, ec);
    if (!ec) return;
    fs::remove(temp, ec);
  }
  write_file_atomic(dst, read_file(src));
}

}  // namespace

BestDirResult write_best_dir(const fs::path& outputs_dir, const IterationRow* best) {
  BestDirResult result;
  if (!best) return result;
  const fs::path dir = outputs_dir / kBestDir;
  fs::create_directories(dir);
  // A symlink left in place would make the copy below write through it into an iteration.
  auto replace_with_copy = [&](const fs::path& src, const fs::path& dst) {
    std::error_code ec;
    if (fs::is_symlink(fs::symlink_status(dst, ec))) fs::remove(dst, ec);
    write_file_atomic(dst, read_file(src));
  };

  const fs::path model = best->dir / kModelFile;
  if (fs::is_regular_file(model)) link_or_copy(model, dir / kModelFile);
  else remove_entry(dir / kModelFile, result);
  for (const char* name : kModelSidecars) {
    if (fs::is_regular_file(best->dir / name)) replace_with_copy(best->dir / name, dir / name);
    else remove_entry(dir / name, result);
  }
  for (const char* name : kJsonFiles) {
    if (fs::is_regular_file(best->dir / name)) {
      replace_with_copy(best->dir / name, dir / name);
      result.copied_json.push_back(dir / name);
    } else {
      remove_entry(dir / name, result);
    }
  }
  result.written = true;
  return result;
}

}  // namespace qtune::report
