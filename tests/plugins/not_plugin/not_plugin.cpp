// A shared library that is not a qtune plugin: no qtune_plugin export.
extern "C" __attribute__((visibility("default"))) int qtune_test_not_a_plugin() { return 42; }
