#include <iostream>

#include "CliCommand.h"

namespace ren::cli {

std::vector<CliCommand> configCommands() {
  return {{"config", "validate or print a config (defaults filled in)", [](CLI::App& sub) -> Action {
             sub.require_subcommand(1);
             auto checkOpts = std::make_shared<ConfigOptions>();
             auto* check = sub.add_subcommand("check", "validate a config; prints its hash");
             check->add_option("file", checkOpts->file, "config file")->required();
             check->add_option("--set", checkOpts->sets, "override: section.key=value (repeatable)")->take_all();
             auto showOpts = std::make_shared<ConfigOptions>();
             auto* show = sub.add_subcommand("show", "print the effective config with documentation");
             show->add_option("file", showOpts->file, "config file (omit for the defaults)");
             show->add_option("--set", showOpts->sets, "override: section.key=value (repeatable)")->take_all();
             return [check, show, checkOpts, showOpts] {
               if (check->parsed()) {
                 const Config c = checkOpts->load();
                 std::cout << checkOpts->file << ": valid (config hash " << configHash(c) << ")\n";
               } else if (show->parsed()) {
                 std::cout << formatConfig(showOpts->load(), true);
               }
               return 0;
             };
           }}};
}

}  // namespace ren::cli
