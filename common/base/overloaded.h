#pragma once
// Overloaded{lambdas...}: one visitor from several lambdas, for std::visit.

namespace orch {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace orch
