#include "run/iteration_log.h"

#include <cstdio>

#include <fmt/format.h>

namespace qtune {

void IterationLog::line(std::string_view text, bool print) {
  std::lock_guard<std::mutex> lock(mutex_);
  buffer_.append(text);
  buffer_.push_back('\n');
  if (print && echo_) {
    fmt::print(stdout, "{}\n", text);
    std::fflush(stdout);
  }
}

void IterationLog::info(std::string_view message) { line(message, true); }

void IterationLog::warn(std::string_view message) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    warnings_.emplace_back(message);
  }
  line(fmt::format("warning: {}", message), true);
}

void IterationLog::progress(std::string_view task, long done, long total) {
  line(total > 0 ? fmt::format("{}: {}/{}", task, done, total) : fmt::format("{}: {}", task, done), true);
}

void IterationLog::record_only(std::string_view message) { line(message, false); }

std::string IterationLog::text() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return buffer_;
}

std::vector<std::string> IterationLog::warnings() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return warnings_;
}

}  // namespace qtune
