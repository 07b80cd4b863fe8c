#pragma once
// Process-wide allocator policy for activations: tensors that each run allocates and frees
// in the same pattern are reused from the heap instead of being mmapped and page-faulted in
// again every time. Called once by every executor's constructor; a no-op on other C
// libraries than glibc.

namespace qtune {

void retain_activation_memory();

}  // namespace qtune
