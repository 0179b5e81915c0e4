#pragma once
// Parsing, validation, overrides and canonical printing of Config. One schema (ConfigSchema.cpp)
// lists every key with its type, allowed range or values and documentation; all four operations
// are driven by it, so a key added there is parsed, validated, overridable and shown.
#include <filesystem>
#include <string>
#include <vector>

#include "ren/core/Config.h"

namespace ren {

/// One `--set section.key=value` override.
struct ConfigOverride {
  std::string key;    ///< "section.key"
  std::string value;  ///< text: parsed as the key's type
};

/// Parses "section.key=value"; throws ConfigError when the text has no '=' or no section.
ConfigOverride parseOverride(const std::string& text);

/// Loads a TOML file (following `extends = "base.toml"` chains, relative to the including file),
/// applies the overrides in order and validates. Throws ConfigError (exit code 2) whose message names
/// the file, the key, the value and what is allowed. An empty path means "defaults only".
Config loadConfig(const std::filesystem::path& file, const std::vector<ConfigOverride>& overrides = {});

/// Parses TOML text (as if read from `origin`) into a Config.
Config parseConfigText(const std::string& text, const std::string& origin,
                       const std::vector<ConfigOverride>& overrides = {});

/// Cross-key validation (also run by loadConfig): throws ConfigError naming the keys.
void validateConfig(const Config& config);

/// The effective config as TOML, every key present, in schema order. With `withDocs`, each key is
/// preceded by a comment documenting it and its allowed values.
std::string formatConfig(const Config& config, bool withDocs = false);

/// SHA-256 (hex) of the canonical effective config (formatConfig without docs).
std::string configHash(const Config& config);

/// SHA-256 (hex) of the canonical text of the named sections only (stage fingerprints).
std::string sectionsHash(const Config& config, const std::vector<std::string>& sections);

/// The items of a comma-separated config value, trimmed; empty text gives an empty list.
std::vector<std::string> configList(const std::string& text);

/// A comma-separated list of integers in [lo, hi]; throws ConfigError naming `key` and the value.
std::vector<std::int64_t> configIntList(const std::string& text, const std::string& key, std::int64_t lo, std::int64_t hi);

/// Names of all sections, in schema order.
std::vector<std::string> configSections();

}  // namespace ren

namespace ren {
/// Version of the TOML++ library the config parser was built with.
std::string tomlLibraryVersion();
}  // namespace ren
