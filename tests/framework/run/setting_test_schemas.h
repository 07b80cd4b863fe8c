#pragma once
// Fake pass schemas for the setting tests, written from the reference defaults
// (espdl_quantization_semantics.md §3, search_state_machine.md §16), so the tests need
// no plugin libraries.
#include <string>
#include <vector>

#include "run/resolved_setting.h"

namespace qtune::test {

inline OptionSpec spec(std::string name, OptionType type, OptionValue def, std::vector<std::string> choices = {},
                       std::optional<double> min = {}, std::optional<double> max = {}) {
  OptionSpec s;
  s.name = std::move(name);
  s.type = type;
  s.default_value = std::move(def);
  s.choices = std::move(choices);
  s.min = min;
  s.max = max;
  s.doc = "test option";
  return s;
}

inline OptionSpec layers_spec() { return spec("interested_layers", OptionType::StringList, std::vector<std::string>{}); }

inline SettingPlugins fake_plugins() {
  using T = OptionType;
  const std::vector<std::string> align_elementwise = {"Align to Large", "Align to Output", "None"};
  const std::vector<std::string> align_pool = {"None", "Align to Input", "Align to Output"};
  SettingPlugins p;
  p.blocks["equalization"] = {"equalization",
                              {spec("iterations", T::Int, std::int64_t{10}, {}, 1.0),
                               spec("value_threshold", T::Float, 0.5, {}, 0.0),
                               spec("opt_level", T::Int, std::int64_t{1}, {}, 1.0, 2.0),
                               spec("including_bias", T::Bool, false), spec("bias_multiplier", T::Float, 0.5, {}, 0.0),
                               spec("including_act", T::Bool, false), spec("act_multiplier", T::Float, 0.5, {}, 0.0),
                               layers_spec()}};
  p.blocks["bias_correct"] = {"bias_correct",
                              {spec("block_size", T::Int, std::int64_t{4}, {}, 1.0),
                               spec("steps", T::Int, std::int64_t{32}, {}, 1.0), layers_spec(),
                               spec("collecting_device", T::String, std::string("executor"))}};
  p.blocks["weight_split"] = {"weight_split",
                              {layers_spec(), spec("value_threshold", T::Float, 2.0, {}, 0.0),
                               spec("method", T::Enum, std::string("balance"), {"balance", "random"})}};
  p.blocks["tqt_optimization"] = {"tqt",
                                  {spec("lr", T::Float, 1e-5, {}, 0.0, 1.0),
                                   spec("steps", T::Int, std::int64_t{500}, {}, 1.0),
                                   spec("block_size", T::Int, std::int64_t{4}, {}, 1.0),
                                   spec("is_scale_trainable", T::Bool, true), spec("gamma", T::Float, 0.0, {}, 0.0),
                                   spec("int_lambda", T::Float, 0.0, {}, 0.0),
                                   spec("collecting_device", T::String, std::string("cuda")), layers_spec()}};
  p.blocks["lsq_optimization"] = {"lsq",
                                  {spec("lr", T::Float, 1e-5, {}, 0.0, 1.0),
                                   spec("steps", T::Int, std::int64_t{500}, {}, 1.0),
                                   spec("block_size", T::Int, std::int64_t{4}, {}, 1.0),
                                   spec("gamma", T::Float, 0.0, {}, 0.0), spec("is_scale_trainable", T::Bool, true),
                                   spec("collecting_device", T::String, std::string("cuda")), layers_spec()}};
  p.blocks["blockwise_reconstruction"] = {"blockwise",
                                          {spec("lr", T::Float, 1e-3, {}, 0.0, 1.0),
                                           spec("steps", T::Int, std::int64_t{5000}, {}, 1.0),
                                           spec("block_size", T::Int, std::int64_t{4}, {}, 1.0),
                                           spec("gamma", T::Float, 1.0, {}, 0.0),
                                           spec("is_scale_trainable", T::Bool, false),
                                           spec("collecting_device", T::String, std::string("cuda")), layers_spec(),
                                           spec("reference_regulariser", T::Bool, false)}};
  p.blocks["fusion_alignment"] = {"alignment",
                                  {spec("align_avgpooling_to", T::Enum, std::string("None"), align_pool),
                                   spec("align_elementwise_to", T::Enum, std::string("Align to Output"), align_elementwise),
                                   spec("align_concat_to", T::Enum, std::string("Align to Output"), align_elementwise),
                                   spec("align_resize_to", T::Enum, std::string("Align to Output"), align_pool),
                                   spec("force_alignment_overlap", T::Bool, false)}};
  p.calibration_algorithms = {"isotone", "kl", "minmax", "mse", "percentile"};
  p.searched = {"/opt/qtune/plugins", "/home/user/plugins"};
  return p;
}

}  // namespace qtune::test
