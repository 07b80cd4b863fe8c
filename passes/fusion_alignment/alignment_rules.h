#pragma once
// esp-ppq's QuantAlignmentPass rules (reference §3.8) on qtune's config representation
// (qtune/quant_config.h). Each rule makes some sockets of one op follow a master config
// (TensorQuantConfig::master); the framework copies the master's exponents into them
// when it re-derives passive configs right after this pass.
#include <cstddef>
#include <set>
#include <string>

#include "qtune/graph.h"
#include "qtune/quant_config.h"

namespace qtune::alignment {

// What the rules did, for the pass's notes.
struct Tally {
  std::size_t slaved_sockets = 0;        // sockets that now follow a master
  std::size_t producers_remastered = 0;  // upstream outputs that took the master's exponent
  std::set<std::string> requantized;     // "op#i": aligned input whose producer keeps its own exponent
};

// esp-ppq `socket.master_by = master` for input `index` of `op`: an input whose config is
// applied at that input follows the master as a whole group; an input that only reads its
// producer's group leaves it and gets its own config, applied (requantized) at the input.
// Null inputs and configs already (transitively) mastered by this socket are left alone.
bool master_input(Op& op, std::size_t index, const QuantSlot& master, Tally& tally);

// The same for output `index` of `op` (the upstream override). An overlapped output (its
// group is applied elsewhere) gets its own config; its consumers keep the old group.
bool master_output(Op& op, std::size_t index, const QuantSlot& master, Tally& tally);

// 'Align to Output': every non-float input follows output 0. Returns the master.
QuantSlot align_to_output(Op& op, Tally& tally);
// 'Align to Input': every non-float output follows input 0 (no upstream override).
void align_to_input(Op& op, Tally& tally);
// 'Align to Large': input 0 gets the exponent of the union of every input's representable
// range (pow2-ceil, so always the largest input exponent + 1 for int8), becomes PASSIVE
// and self-mastered; the other inputs follow it. Returns the master. Error for a
// per-channel input (esp-ppq asserts per-tensor).
QuantSlot align_to_large(Op& op, Tally& tally);
// GRU/LSTM 'RNN Align to First': output 1 (Y_h) and input 5 (initial_h) follow output 0.
QuantSlot align_rnn_to_first(Op& op, Tally& tally);

// After a master was set on `op`'s sockets: each quantized producer of `op`'s inputs that
// is not a passive op and feeds only `op` (any producer when `force_overlap`) makes its
// outputs feeding `op` follow the master, so no requantization is needed there.
void override_upstream(Op& op, const QuantSlot& master, bool force_overlap, Tally& tally);

// Inputs of `op` that follow a master but whose producer output does not: the device
// requantizes there. Call after override_upstream.
void record_requantized(const Op& op, Tally& tally);

}  // namespace qtune::alignment
