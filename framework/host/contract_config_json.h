#pragma once
// ContractConfig -> JSON text with every key, defaults filled in (what qtune will use;
// printed by check-contract and recorded with each run).
#include <string>

#include "qtune/contract_config.h"

namespace qtune {

std::string contract_config_to_json(const ContractConfig& config);

}  // namespace qtune
