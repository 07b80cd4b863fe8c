#pragma once
// Ctrl-C for long work. The first SIGINT only raises a flag: training passes stop at
// their next step (PassContext::stop_requested), the iteration stops at its next stage
// boundary and is recorded as "interrupted", `qtune run` stops before the next iteration;
// everything already written stays. A second SIGINT ends the process at once (the
// default action): artifact writes are atomic, so no file is left half written.
namespace qtune {

// Installs the handler (idempotent); before it is installed the flag never rises.
void install_interrupt_handler();
bool interrupt_requested();
// For tests and for a run that handled the interruption.
void reset_interrupt();
void request_interrupt();

}  // namespace qtune
