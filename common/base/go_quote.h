#pragma once
// Go's %q of a string ("a\"b\n"): how upstream's messages and rule comments quote names, so
// that ours read (and, for rule comments, match) the same.

#include <string>
#include <string_view>

namespace orch {

std::string goQuote(std::string_view s);

}  // namespace orch
