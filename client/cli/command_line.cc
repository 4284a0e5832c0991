#include "client/cli/command_line.h"

#include <algorithm>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace lipsync::client::cli {
namespace {

bool IsHelpFlag(absl::string_view name) {
  return name == "help" || name == "h" || name == "helpfull" ||
         name == "helpshort";
}

bool Contains(const std::vector<std::string>& names, absl::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

absl::Status UsageError(absl::string_view message) {
  return absl::InvalidArgumentError(message);
}

}  // namespace

absl::StatusOr<ScannedArgs> ScanFlags(const std::vector<std::string>& args,
                                      const std::vector<std::string>& allowed,
                                      absl::string_view subcommand) {
  ScannedArgs scanned;
  for (std::size_t i = 0; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (arg == "--") {
      scanned.positional.insert(scanned.positional.end(), args.begin() + i + 1,
                                args.end());
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      scanned.positional.emplace_back(arg);
      continue;
    }
    arg.remove_prefix(absl::StartsWith(arg, "--") ? 2 : 1);
    const std::size_t eq = arg.find('=');
    const bool has_value = eq != absl::string_view::npos;
    absl::string_view name = arg.substr(0, eq);
    std::string value = has_value ? std::string(arg.substr(eq + 1)) : "";
    if (IsHelpFlag(name)) {
      scanned.help = true;
      continue;
    }

    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    bool negated = false;
    if (flag == nullptr && absl::StartsWith(name, "no")) {
      absl::CommandLineFlag* positive =
          absl::FindCommandLineFlag(name.substr(2));
      if (positive != nullptr && positive->IsOfType<bool>()) {
        flag = positive;
        negated = true;
        name.remove_prefix(2);
      }
    }
    if (flag == nullptr || !Contains(allowed, name)) {
      return UsageError(
          flag == nullptr
              ? absl::StrCat("unknown flag --", name,
                             " (see: lipsync-cli help ", subcommand, ")")
              : absl::StrCat(subcommand, " takes no --", name,
                             " (see: lipsync-cli help ", subcommand, ")"));
    }

    if (negated) {
      if (has_value) {
        return UsageError(absl::StrCat("--no", name, " takes no value; use --",
                                       name, "=true|false"));
      }
      value = "false";
    } else if (!has_value) {
      if (flag->IsOfType<bool>()) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return UsageError(absl::StrCat("--", name, " needs a value"));
      }
    }
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      // absl's `error` only repeats the value and the name.
      return UsageError(absl::StrCat("bad value '", value, "' for --", name,
                                     " (see: lipsync-cli help ", subcommand,
                                     ")"));
    }
  }
  return scanned;
}

}  // namespace lipsync::client::cli
