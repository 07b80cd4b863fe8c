#pragma once
// Contract: what one model's shared library gives qtune. Implement this class and
// register it with QTUNE_CONTRACT(ClassName) in exactly one .cpp of the library.
//
//   quant_config()       QUANT_CONFIG as JSON text (keys: docs/contract_guide.md)
//   calibration_data()   iterator of input batches (one tensor per graph input)
//   evaluate(model)      named metrics on the user's real evaluation
//   evaluate_fast(model) optional, cheaper metric used while searching
//
// The framework never trusts a contract: every call is checked and a failure is
// reported naming the contract, the function and what was expected.
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <boost/config.hpp>

#include "qtune/batch.h"
#include "qtune/contract_config.h"
#include "qtune/model.h"
#include "qtune/plugin.h"

namespace qtune {

using Metrics = std::map<std::string, double>;

// Where the contract was loaded from; relative paths in QUANT_CONFIG resolve against
// base_directory() (the library's folder unless the contract says otherwise).
struct ContractEnv {
  std::filesystem::path library_path;
  std::optional<std::filesystem::path> config_path;   // --contract-config, if given
};

class BOOST_SYMBOL_VISIBLE Contract : public Plugin {
 public:
  ~Contract() override;
  // Called once, right after creation, before any other method.
  virtual void init(const ContractEnv& env) { env_ = env; }
  virtual std::filesystem::path base_directory() const { return env_.library_path.parent_path(); }

  virtual std::string quant_config() const = 0;
  // `config` is the validated QUANT_CONFIG (batch size, input shapes, ...).
  virtual std::unique_ptr<BatchLoader> calibration_data(const ContractConfig& config) = 0;
  virtual Metrics evaluate(const Model& model) = 0;
  virtual bool has_evaluate_fast() const { return false; }
  virtual Metrics evaluate_fast(const Model& model);

 protected:
  const ContractEnv& env() const { return env_; }

 private:
  ContractEnv env_;
};

}  // namespace qtune

#define QTUNE_CONTRACT(NAME, VERSION, CLASS) QTUNE_PLUGIN("contract", NAME, VERSION, "model contract", CLASS)
