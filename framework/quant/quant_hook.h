#pragma once
// The executor hook that runs a quantized graph as esp-ppq's executor does (reference §6.2):
// for each quantized op, every input whose config is applied at that input (a parameter,
// a graph input, a requantization at an int8<->int16 boundary) is fake-quantized, the
// float op runs, then every output whose config is applied at its production is
// fake-quantized. Float / Initial / PassiveInit / overlapped configs pass through.
// Parameters are fake-quantized on every forward. Stateless, so thread-safe.
#include <memory>

#include "qtune/executor.h"
#include "qtune/graph.h"

namespace qtune {

// The hook reads the configs live (a calibration that activates configs needs no new hook).
// `graph` must be the graph the executor runs and outlive the hook.
std::unique_ptr<OpHook> make_quant_hook(const Graph& graph);

}  // namespace qtune
