#pragma once
// Names and comments the reference plugins give their netfilter objects, so that rules
// written by either implementation are found and removed by the other. Pure functions.

#include <string>
#include <string_view>

#include "common/base/go_quote.h"

namespace orch::cni::bridge {

// Lower-case hex SHA-512 of `s` (128 digits).
std::string sha512Hex(std::string_view s);
// `prefix` followed by the hex SHA-512 of `to_hash`, cut to `length` characters
// (utils.MustFormatHashWithPrefix). Aborts when prefix.size() >= length or length > 128.
std::string formatHashWithPrefix(size_t length, std::string_view prefix, std::string_view to_hash);
// "CNI-" + prefix + hash of name+id, 28 characters (utils.FormatChainName / ...WithPrefix).
std::string formatChainName(std::string_view name, std::string_view id,
                            std::string_view prefix = "");
// `name: "<name>" id: "<id>"` with Go %q quoting (utils.FormatComment).
std::string formatComment(std::string_view name, std::string_view id);

}  // namespace orch::cni::bridge
