#pragma once
// Which standard container a field type is: shared by the JSON codec (json_io.h) and the
// OpenAPI schema builder (schema.h), which both dispatch on it.

#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace orch::api::detail {

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};
template <class T>
struct IsVector : std::false_type {};
template <class T, class A>
struct IsVector<std::vector<T, A>> : std::true_type {};
template <class T>
struct IsStringMap : std::false_type {};
template <class T, class C, class A>
struct IsStringMap<std::map<std::string, T, C, A>> : std::true_type {};

}  // namespace orch::api::detail
