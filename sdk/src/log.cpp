#include <cstdio>
#include <mutex>

#include <fmt/format.h>

#include "qtune/log.h"

namespace qtune {

namespace {
class StderrLog final : public Log {
 public:
  void info(std::string_view message) override { write("", message); }
  void warn(std::string_view message) override { write("warning: ", message); }
  void progress(std::string_view task, long done, long total) override {
    write("", fmt::format("{}: {}/{}", task, done, total));
  }

 private:
  void write(std::string_view prefix, std::string_view message) {
    std::lock_guard<std::mutex> lock(mutex_);
    fmt::print(stderr, "{}{}\n", prefix, message);
  }
  std::mutex mutex_;
};
}  // namespace

Log& stderr_log() {
  static StderrLog log;
  return log;
}

}  // namespace qtune
