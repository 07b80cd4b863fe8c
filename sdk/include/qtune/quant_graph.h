#pragma once
// Reading and re-pointing the quantization of a graph (the representation is described
// at the top of qtune/quant_config.h). The framework's quantizer attaches the configs;
// pass plugins (alignment, bias correction, training) and analysers read and change them
// through these functions, so every plugin applies esp-ppq's "applied once" rule the same way.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "qtune/executor.h"
#include "qtune/graph.h"
#include "qtune/quant_config.h"

namespace qtune {

// Op annotation set on every quantized op: its data bits ("8" / "16").
inline constexpr const char* kQuantBitsAnnotation = "quant_bits";

// Data bits of a quantized op (8 or 16), 0 when the op stays float.
int op_quant_bits(const Op& op);

// "<op name>#<index>": the applied_at value of a config applied at a consumer input.
std::string input_socket_id(const Op& op, std::size_t index);

// The config op input `index` is quantized with as esp-ppq sees that socket (consumer side
// if any, else the variable's), or null. Does not say whether it is applied there.
const QuantSlot& input_config(const Op& op, std::size_t index);
// Whether that config is active and applied at this input / at production of output `index`.
bool applied_at_input(const Op& op, std::size_t index);
bool applied_at_output(const Op& op, std::size_t index);

// Re-points every slot of `graph` (Variable::quant, Op::input_quant) holding `from` to
// `to` — esp-ppq's "the whole dominance group of `from` is now dominated by `to`". The
// master keeps its own applied_at. Returns how many slots changed.
std::size_t replace_config(Graph& graph, const QuantSlot& from, const QuantSlot& to);

// Gives consumer input `index` of `op` its own config object `config` (applied there: a
// requantization when the producer keeps its exponent). Sets config->applied_at.
void set_input_config(Op& op, std::size_t index, QuantSlot config);

// Which ops' quantization a hook applies; empty = every quantized op.
using OpFilter = std::function<bool(const Op&)>;

// The hook that runs a quantized graph as esp-ppq's executor does (reference §6.2): for
// each quantized op (accepted by `ops`), every input whose config is applied at that input
// is fake-quantized, the float op runs, then every output whose config is applied at its
// production. Float / Initial / PassiveInit / overlapped configs pass through. Reads the
// configs live and is stateless, so one hook serves many threads and a calibration that
// activates configs needs no new hook.
std::unique_ptr<OpHook> make_quant_hook(OpFilter ops = {});

}  // namespace qtune
