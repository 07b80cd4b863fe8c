#include "run/interrupt.h"

#include <atomic>
#include <csignal>
#include <unistd.h>

namespace qtune {
namespace {

std::atomic<bool> g_requested{false};

extern "C" void on_sigint(int) {
  if (g_requested.exchange(true)) {
    std::signal(SIGINT, SIG_DFL);
    std::raise(SIGINT);
    return;
  }
  static const char message[] =
      "\nqtune: stopping at the next safe point (finished iterations are kept); Ctrl-C again to quit now\n";
  (void)!::write(STDERR_FILENO, message, sizeof message - 1);
}

}  // namespace

void install_interrupt_handler() { std::signal(SIGINT, on_sigint); }
bool interrupt_requested() { return g_requested.load(); }
void reset_interrupt() { g_requested.store(false); }
void request_interrupt() { g_requested.store(true); }

}  // namespace qtune
