#pragma once
// The calibration driver: esp-ppq's ParameterQuantizePass + RuntimeCalibrationPass
// (reference §2.7). Parameters first (one observe() of the whole value with the observer
// named in each config), then activations over the calibration batches with weights
// fake-quantized, biases not (PassiveInit), activations float (in batch order, or
// concurrently when every observer's first pass is order-free); observers whose
// needs_second_pass() see the same batches again, with the configs activated in phase 1
// applied (in any order and concurrently when threads allow; the last batch feeds both
// passes at once when phase 1 activates nothing). Finally update_passive_configs() derives
// biases, Clip bounds, Pad values.
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "qtune/calibration.h"
#include "qtune/graph.h"

namespace qtune {

// Makes the observer of one config for the named algorithm ("minmax", "kl", ...).
using ObserverFactory =
    std::function<std::unique_ptr<Observer>(const std::string& algorithm, const TensorQuantConfig&)>;

struct CalibrationOptions {
  // Overrides the observer of every non-parameter config (esp-ppq calib_algorithm, "kl"
  // for ESP-DL). Empty: keep each config's own observer.
  std::string calib_algorithm;
  // Called after each activation batch: phase 1 or 2, batches done, batches in the phase.
  std::function<void(int phase, std::size_t done, std::size_t total)> progress;
};

struct CalibrationReport {
  std::size_t parameters = 0;     // parameter configs calibrated
  std::size_t activations = 0;    // activation configs calibrated
  std::size_t second_pass = 0;    // of which two-phase
  std::size_t passive = 0;        // passive configs derived at the end
};

// log2(scale) from an observer -> integer exponent: exact integers stay; a non-power-of-two
// scale (isotone) is truncated toward zero like esp-ppq's export int(log2(scale)) (§5.5).
// A Linear config (the "linear" target) instead keeps the scale 2^log2 as a float32.
int exponent_from_log2(double log2_scale);

// Parameter configs in state Initial only.
std::size_t calibrate_parameters(Graph& graph, const ObserverFactory& observers);

// Activation configs in state Initial. `batches`: inputs in graph-input order, the
// calib_steps batches in order (esp-ppq asserts 2 <= calib_steps <= 5000; so do we).
CalibrationReport calibrate_activations(Graph& graph, std::span<const std::vector<Tensor>> batches,
                                        const ObserverFactory& observers, const CalibrationOptions& options = {});

// Both, then update_passive_configs.
CalibrationReport calibrate(Graph& graph, std::span<const std::vector<Tensor>> batches,
                            const ObserverFactory& observers, const CalibrationOptions& options = {});

}  // namespace qtune
