// qtune plugins: what the plugin host loads from the search path, or one plugin's options.
#include <algorithm>
#include <iostream>
#include <tuple>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "host/plugin_host.h"

namespace qtune::cli {
namespace {

namespace po = boost::program_options;

std::string value_text(const OptionValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) return "none";
        else if constexpr (std::is_same_v<T, bool>) return v ? "true" : "false";
        else if constexpr (std::is_same_v<T, std::string>) return fmt::format("\"{}\"", v);
        else if constexpr (std::is_same_v<T, std::vector<std::string>>) return fmt::format("[{}]", fmt::join(v, ", "));
        else if constexpr (std::is_same_v<T, std::vector<double>>) return fmt::format("[{}]", fmt::join(v, ", "));
        else if constexpr (std::is_same_v<T, std::map<std::string, std::string>>) {
          std::vector<std::string> entries;
          for (const auto& [k, x] : v) entries.push_back(k + ": " + x);
          return fmt::format("{{{}}}", fmt::join(entries, ", "));
        } else return fmt::format("{}", v);
      },
      value);
}

void describe(const PluginHost& host, const LoadedPlugin& plugin) {
  std::cout << fmt::format("{} plugin '{}' version {}\n  {}\n  file: {}\n", plugin.kind, plugin.name, plugin.version,
                           plugin.summary, plugin.path.string());
  const OptionSchema schema = host.option_schema(plugin);
  if (schema.empty()) {
    std::cout << "  options: none\n";
    return;
  }
  std::cout << "  options:\n";
  for (const OptionSpec& spec : schema) {
    std::vector<std::string> facts = {option_type_name(spec.type)};
    if (spec.required) facts.push_back("required");
    else if (!std::holds_alternative<std::monostate>(spec.default_value))
      facts.push_back("default " + value_text(spec.default_value));
    else facts.push_back("no default");
    if (spec.min || spec.max)
      facts.push_back(fmt::format("range [{}, {}]", spec.min ? fmt::format("{}", *spec.min) : "-inf",
                                  spec.max ? fmt::format("{}", *spec.max) : "inf"));
    if (!spec.choices.empty()) facts.push_back(fmt::format("choices {{{}}}", fmt::join(spec.choices, ", ")));
    std::cout << fmt::format("    {}  ({})\n", spec.name, fmt::join(facts, "; "));
    if (!spec.doc.empty()) std::cout << fmt::format("        {}\n", spec.doc);
  }
}

void print_table(const std::vector<LoadedPlugin>& plugins) {
  std::vector<const LoadedPlugin*> rows;
  for (const auto& p : plugins) rows.push_back(&p);
  std::sort(rows.begin(), rows.end(), [](auto* a, auto* b) { return std::tie(a->kind, a->name) < std::tie(b->kind, b->name); });
  std::size_t kind_w = 4, name_w = 4, version_w = 7;
  for (const auto* p : rows) {
    kind_w = std::max(kind_w, p->kind.size());
    name_w = std::max(name_w, p->name.size());
    version_w = std::max(version_w, p->version.size());
  }
  std::cout << fmt::format("{:<{}}  {:<{}}  {:<{}}  {}\n", "KIND", kind_w, "NAME", name_w, "VERSION", version_w, "PATH");
  for (const auto* p : rows)
    std::cout << fmt::format("{:<{}}  {:<{}}  {:<{}}  {}\n", p->kind, kind_w, p->name, name_w, p->version, version_w,
                             p->path.string());
}

}  // namespace

int plugins_command(const Args& args) {
  po::options_description options("qtune plugins options");
  std::vector<std::string> plugin_dirs;
  std::string describe_name;
  bool no_default_dirs = false;
  options.add_options()
      ("plugin-dir", po::value(&plugin_dirs)->composing(), "also scan this folder for plugins (repeatable)")
      ("no-default-dirs", po::bool_switch(&no_default_dirs),
       "scan only --plugin-dir folders (not the build tree, install prefix or QTUNE_PLUGIN_PATH)")
      ("describe", po::value(&describe_name), "print the summary and options of the plugin NAME");
  po::variables_map vm;
  if (!parse_options("plugins", "[--plugin-dir D ...] [--no-default-dirs] [--describe NAME]", options, args, vm))
    return kExitOk;

  std::vector<std::filesystem::path> dirs;
  if (!no_default_dirs) dirs = PluginHost::default_search_path();
  for (const auto& dir : plugin_dirs) dirs.push_back(existing_directory(dir, "--plugin-dir"));

  // Plugins load here, on the main thread, before anything starts TBB work.
  PluginHost host;
  host.load_directories(dirs);

  std::vector<std::string> searched;
  for (const auto& dir : host.searched_directories()) searched.push_back(dir.string());
  std::string searched_text = fmt::format("{}", fmt::join(searched, ", "));
  if (searched.empty()) {
    std::vector<std::string> candidates;
    for (const auto& dir : PluginHost::default_search_candidates()) candidates.push_back(dir.string());
    searched_text = no_default_dirs ? "(no directories)"
                                    : fmt::format("(no directories: none of {} exists)", fmt::join(candidates, ", "));
  }

  if (vm.count("describe")) {
    bool found = false;
    for (const auto& plugin : host.plugins())
      if (plugin.name == describe_name) {
        describe(host, plugin);
        found = true;
      }
    if (!found) {
      std::vector<std::string> names;
      for (const auto& plugin : host.plugins()) names.push_back(plugin.name);
      std::sort(names.begin(), names.end());
      throw InputError(fmt::format("--describe: no plugin named '{}' in: {}; loaded: {}", describe_name, searched_text,
                                   names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "))));
    }
    return kExitOk;
  }
  if (host.plugins().empty()) {
    std::cout << "no plugins found in: " << searched_text << "\n";
    return kExitOk;
  }
  print_table(host.plugins());
  return kExitOk;
}

}  // namespace qtune::cli
