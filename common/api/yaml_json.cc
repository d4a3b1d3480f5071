#include "common/api/yaml_json.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>

namespace orch::api {

namespace {

constexpr int kMaxDepth = 1000;  // a deeper document is an attack, not a manifest

bool isDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// [-+]?[0-9]+
bool looksLikeInt(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  return isDigits(s);
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?  (the YAML 1.2 core schema's float)
bool looksLikeFloat(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  size_t e = s.find_first_of("eE");
  std::string_view mant = s.substr(0, e);
  if (e != std::string_view::npos) {
    std::string_view exp = s.substr(e + 1);
    if (!exp.empty() && (exp[0] == '-' || exp[0] == '+')) exp.remove_prefix(1);
    if (!isDigits(exp)) return false;
  }
  size_t dot = mant.find('.');
  if (dot == std::string_view::npos) return isDigits(mant);
  std::string_view whole = mant.substr(0, dot), frac = mant.substr(dot + 1);
  if (whole.empty()) return isDigits(frac);
  return isDigits(whole) && (frac.empty() || isDigits(frac));
}

bool isNullWord(const std::string& s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}
bool isBoolWord(const std::string& s, bool& out) {
  if (s == "true" || s == "True" || s == "TRUE") return out = true, true;
  if (s == "false" || s == "False" || s == "FALSE") return out = false, true;
  return false;
}

// A plain scalar resolved by the YAML 1.2 core schema.
Json resolvePlain(const std::string& s) {
  if (isNullWord(s)) return nullptr;
  bool b = false;
  if (isBoolWord(s, b)) return b;
  if (looksLikeInt(s)) {
    int64_t v = 0;
    const char* begin = s.data() + (s[0] == '+' ? 1 : 0);
    auto [p, ec] = std::from_chars(begin, s.data() + s.size(), v);
    if (ec == std::errc() && p == s.data() + s.size()) return v;
    return std::stod(s);  // out of int64: a float, as Go's YAML decoder does
  }
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data() + 2, s.data() + s.size(), v, s[1] == 'x' ? 16 : 8);
    if (ec == std::errc() && p == s.data() + s.size()) return v;
  }
  if (looksLikeFloat(s)) return std::stod(s);
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf")
    return std::numeric_limits<double>::infinity();
  if (s == "-.inf" || s == "-.Inf" || s == "-.INF") return -std::numeric_limits<double>::infinity();
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return std::numeric_limits<double>::quiet_NaN();
  return s;
}

Result<Json> convert(const YAML::Node& n, int depth) {
  if (depth > kMaxDepth) return Status::error(EINVAL, "yaml: document nested too deeply");
  switch (n.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return Json(nullptr);
    case YAML::NodeType::Scalar: {
      const std::string& tag = n.Tag();
      if (tag == "!" || tag.ends_with(":str")) return Json(n.Scalar());
      return resolvePlain(n.Scalar());
    }
    case YAML::NodeType::Sequence: {
      Json a = Json::array();
      for (const YAML::Node& e : n) {
        ORCH_ASSIGN_OR_RETURN(Json v, convert(e, depth + 1));
        a.push_back(std::move(v));
      }
      return a;
    }
    case YAML::NodeType::Map: {
      Json o = Json::object();
      for (const auto& kv : n) {
        if (!kv.first.IsScalar())
          return Status::error(EINVAL, "yaml: line " + std::to_string(kv.first.Mark().line + 1) +
                                           ": mapping keys must be scalars");
        ORCH_ASSIGN_OR_RETURN(Json v, convert(kv.second, depth + 1));
        o[kv.first.Scalar()] = std::move(v);
      }
      return o;
    }
  }
  return Json(nullptr);
}

Status parseError(const YAML::Exception& e) {
  return Status::error(EINVAL, "yaml: line " + std::to_string(e.mark.line + 1) + " column " +
                                   std::to_string(e.mark.column + 1) + ": " + e.msg);
}

bool needsQuotes(const std::string& s) {
  if (s.empty()) return true;
  Json resolved = resolvePlain(s);
  return !resolved.is_string();
}

void emit(YAML::Emitter& out, const Json& j) {
  switch (j.type()) {
    case Json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [k, v] : j.items()) {
        out << YAML::Key;
        if (needsQuotes(k)) out << YAML::DoubleQuoted;
        out << k << YAML::Value;
        emit(out, v);
      }
      out << YAML::EndMap;
      break;
    case Json::value_t::array:
      out << YAML::BeginSeq;
      for (const Json& v : j) emit(out, v);
      out << YAML::EndSeq;
      break;
    case Json::value_t::string: {
      const std::string& s = j.get_ref<const std::string&>();
      if (needsQuotes(s)) out << YAML::DoubleQuoted;
      out << s;
      break;
    }
    case Json::value_t::boolean:
      out << (j.get<bool>() ? "true" : "false");
      break;
    case Json::value_t::null:
    case Json::value_t::discarded:
      out << YAML::Null;
      break;
    default:
      out << j.dump();  // numbers in their JSON spelling
  }
}

}  // namespace

Result<Json> yamlToJson(std::string_view text) {
  ORCH_ASSIGN_OR_RETURN(std::vector<Json> docs, yamlDocumentsToJson(text));
  if (docs.size() > 1)
    return Status::error(EINVAL, "yaml: expected one document, got " + std::to_string(docs.size()));
  if (docs.empty()) return Json(nullptr);
  return std::move(docs[0]);
}

Result<std::vector<Json>> yamlDocumentsToJson(std::string_view text) {
  try {
    std::vector<YAML::Node> nodes = YAML::LoadAll(std::string(text));
    std::vector<Json> out;
    for (const YAML::Node& n : nodes) {
      ORCH_ASSIGN_OR_RETURN(Json j, convert(n, 0));
      if (!j.is_null()) out.push_back(std::move(j));
    }
    return out;
  } catch (const YAML::Exception& e) {
    return parseError(e);
  } catch (const std::exception& e) {
    return Status::error(EINVAL, std::string("yaml: ") + e.what());
  }
}

std::string jsonToYaml(const Json& j) {
  YAML::Emitter out;
  out.SetIndent(2);
  out << YAML::Block;
  emit(out, j);
  std::string s = out.c_str();
  if (!s.empty() && s.back() != '\n') s += '\n';
  return s;
}

}  // namespace orch::api
