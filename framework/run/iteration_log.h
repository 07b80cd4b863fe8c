#pragma once
// IterationLog: the qtune::Log of one iteration. Every line goes to stdout as it happens
// and into a buffer that becomes the iteration's console.log; warnings are also collected
// for iteration_index.json. Thread-safe (contracts and passes may log from TBB workers).
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "qtune/log.h"

namespace qtune {

class IterationLog final : public Log {
 public:
  // `echo`: also print each line to stdout (false in tests that only want the buffer).
  explicit IterationLog(bool echo = true) : echo_(echo) {}

  void info(std::string_view message) override;
  void warn(std::string_view message) override;
  // "<task>: done/total" (total <= 0: "<task>: done").
  void progress(std::string_view task, long done, long total) override;
  // Into console.log only, not stdout (the CLI prints the final error to stderr itself).
  void record_only(std::string_view message);

  std::string text() const;
  std::vector<std::string> warnings() const;

 private:
  void line(std::string_view text, bool print);
  bool echo_;
  mutable std::mutex mutex_;
  std::string buffer_;
  std::vector<std::string> warnings_;
};

}  // namespace qtune
