// A contract library that forgot QTUNE_CONTRACT: it exports no qtune_plugin symbol.
#include "tiny_contract.h"

extern "C" __attribute__((visibility("default"))) int qtune_test_forgot_the_macro() { return 1; }
