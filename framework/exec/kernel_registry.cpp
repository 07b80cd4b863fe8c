#include "exec/kernel_registry.h"

#include <algorithm>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <unordered_set>

#include "exec/kernels/builtin_kernels.h"

namespace qtune {

namespace {

struct Registry {
  std::shared_mutex mutex;
  std::unordered_map<std::string, Kernel> kernels;
  std::unordered_set<std::string> in_place;
};

// Function-local static: constructed on first use, never before its users.
Registry& registry() {
  static Registry r;
  return r;
}

void ensure_builtins() {
  static std::once_flag once;
  std::call_once(once, register_builtin_kernels);
}

}  // namespace

void register_builtin_kernels() {
  register_conv_kernels();
  register_conv_transpose_kernels();
  register_insert_zeros_kernels();
  register_gemm_matmul_kernels();
  register_elementwise_kernels();
  register_activation_kernels();
  register_pooling_kernels();
  register_reduce_kernels();
  register_shape_kernels();
  register_resize_kernels();
  register_normalization_kernels();
}

void add_builtin_kernel(const std::string& op_type, Kernel kernel, bool in_place) {
  Registry& r = registry();
  std::unique_lock lock(r.mutex);
  r.kernels[op_type] = kernel;
  if (in_place) r.in_place.insert(op_type);
  else r.in_place.erase(op_type);
}

void register_kernel(const std::string& op_type, Kernel kernel) {
  ensure_builtins();  // so a builtin registered later can never override this one
  add_builtin_kernel(op_type, kernel, false);
}

bool kernel_works_in_place(const std::string& op_type) {
  ensure_builtins();
  Registry& r = registry();
  std::shared_lock lock(r.mutex);
  return r.in_place.count(op_type) > 0;
}

Kernel find_kernel(const std::string& op_type) {
  ensure_builtins();
  Registry& r = registry();
  std::shared_lock lock(r.mutex);
  auto it = r.kernels.find(op_type);
  return it == r.kernels.end() ? nullptr : it->second;
}

std::vector<std::string> supported_op_types() {
  ensure_builtins();
  Registry& r = registry();
  std::shared_lock lock(r.mutex);
  std::vector<std::string> types;
  types.reserve(r.kernels.size());
  for (const auto& [type, kernel] : r.kernels) types.push_back(type);
  std::sort(types.begin(), types.end());
  return types;
}

}  // namespace qtune
