#pragma once
// The search constants as plugin options: one schema shared by the strategy plugins, so
// `qtune plugins --describe` documents them and a run can set them (`plateau_window=4`).
#include "qtune/options.h"
#include "qtune/search/constants.h"

namespace qtune::search {

OptionSchema search_option_schema();
// Constants with every option present in `options` applied (absent ones keep defaults).
SearchConstants constants_from_options(const OptionValues& options);

}  // namespace qtune::search
