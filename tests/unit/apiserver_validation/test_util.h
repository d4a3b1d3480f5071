#pragma once
// Helpers for the validation tests: JSON literals, running the rules of a kind, and finding
// an error by field path.

#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "controlplane/apiserver/validation/kind_rules.h"

namespace orch::apiserver::testing {

inline Json j(std::string_view text) {
  return Json::parse(text);
}

inline const KindRules& rules(std::string_view group, std::string_view kind) {
  const KindRules* r = kindRulesFor(group, kind);
  EXPECT_NE(r, nullptr) << group << "/" << kind;
  return *r;
}

// applyDefaults, expected to succeed.
inline Json defaulted(std::string_view group, std::string_view kind, Json obj) {
  Status st = rules(group, kind).applyDefaults(obj);
  EXPECT_TRUE(st.isOk()) << st.message();
  return obj;
}

// Defaults then create-validates, as the registry does.
inline FieldErrors createErrors(std::string_view group, std::string_view kind, Json obj) {
  Json d = defaulted(group, kind, std::move(obj));
  return rules(group, kind).validateCreate(d);
}

inline std::string dump(const FieldErrors& errs) {
  std::string s;
  for (const auto& e : errs) s += "  " + e.toString() + "\n";
  return s;
}

// The error at `field`, or nullptr.
inline const FieldError* find(const FieldErrors& errs, std::string_view field) {
  for (const auto& e : errs) {
    if (e.field == field) return &e;
  }
  return nullptr;
}

// Exactly one error with this field and full "<field>: <message>" text.
inline ::testing::AssertionResult hasError(const FieldErrors& errs, std::string_view text) {
  for (const auto& e : errs) {
    if (e.toString() == text) return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "no error \"" << text << "\" in:\n" << dump(errs);
}

}  // namespace orch::apiserver::testing
