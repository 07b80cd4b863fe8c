#pragma once
// Parses and validates QUANT_CONFIG JSON into ContractConfig. Unknown keys, missing
// required keys, wrong types and out-of-range values are InputErrors naming `source`
// (the contract or file) and the key.
#include <filesystem>
#include <string>

#include "qtune/contract_config.h"

namespace qtune {

ContractConfig parse_contract_config(const std::string& json, const std::string& source,
                                     const std::filesystem::path& base_directory);

// Target strings qtune knows (reference §1.1), for messages and validation.
const std::vector<std::string>& known_targets();

}  // namespace qtune
