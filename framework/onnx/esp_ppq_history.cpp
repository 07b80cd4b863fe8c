#include "onnx/esp_ppq_history.h"

#include <algorithm>
#include <string>

namespace qtune {
namespace {

std::size_t annotation_number(const Op& op, const char* key) {
  auto it = op.annotations.find(key);
  return it == op.annotations.end() ? 0 : static_cast<std::size_t>(std::stoull(it->second));
}

}  // namespace

void note_generated_variable(Op& op) {
  op.annotations[kGeneratedVariablesAnnotation] = std::to_string(annotation_number(op, kGeneratedVariablesAnnotation) + 1);
}

void note_recreated(const Graph& graph, Op& op) {
  std::size_t last = 0;
  for (const Op* o : graph.ops()) last = std::max(last, annotation_number(*o, kRecreatedAnnotation));
  op.annotations[kRecreatedAnnotation] = std::to_string(last + 1);
}

std::size_t esp_ppq_generated_variables(const Graph& graph) {
  std::size_t n = 0;
  for (const Op* op : graph.ops()) n += annotation_number(*op, kGeneratedVariablesAnnotation);
  return n;
}

std::vector<Op*> esp_ppq_op_order(const Graph& graph) {
  std::vector<Op*> order = graph.ops();
  std::stable_sort(order.begin(), order.end(), [](const Op* a, const Op* b) {
    return annotation_number(*a, kRecreatedAnnotation) < annotation_number(*b, kRecreatedAnnotation);
  });
  return order;
}

}  // namespace qtune
