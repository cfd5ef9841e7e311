# The core (stack/ but stack/asio/) may include only the C++ standard library and its own headers:
# no Boost, no POSIX or Linux headers. Configuring fails and names the line that breaks the rule.
set(_tapstack_std_headers
  algorithm any array atomic bit bitset cassert cctype cerrno charconv chrono cinttypes climits
  cmath compare concepts cstddef cstdint cstdio cstdlib cstring deque exception functional
  initializer_list iomanip ios iosfwd iostream istream iterator limits list map memory numeric
  optional ostream queue random ranges set source_location span sstream stdexcept string
  string_view system_error tuple type_traits typeinfo unordered_map unordered_set utility variant
  vector)
file(GLOB_RECURSE _tapstack_core_files CONFIGURE_DEPENDS
  ${CMAKE_SOURCE_DIR}/stack/*.hpp ${CMAKE_SOURCE_DIR}/stack/*.cpp)
list(FILTER _tapstack_core_files EXCLUDE REGEX "/stack/asio/")
foreach(_file IN LISTS _tapstack_core_files)
  file(STRINGS ${_file} _includes REGEX "^[ \t]*#[ \t]*include")
  foreach(_line IN LISTS _includes)
    if(_line MATCHES "#[ \t]*include[ \t]*<([^>]+)>")
      if(NOT CMAKE_MATCH_1 IN_LIST _tapstack_std_headers)
        message(FATAL_ERROR "${_file}: the core includes only the standard library, not <${CMAKE_MATCH_1}>")
      endif()
    elseif(_line MATCHES "#[ \t]*include[ \t]*\"([^\"]+)\"")
      if(NOT CMAKE_MATCH_1 MATCHES "^stack/" OR CMAKE_MATCH_1 MATCHES "^stack/asio/")
        message(FATAL_ERROR "${_file}: the core includes only its own headers, not \"${CMAKE_MATCH_1}\"")
      endif()
    endif()
  endforeach()
endforeach()
