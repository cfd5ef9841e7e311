"""Reading libstdc++ objects (optional, unique_ptr, shared_ptr, map, vector, span) from Python.

The printers must not depend on libstdc++'s own pretty-printers being loaded (they are not when
gdb's auto-load is restricted), and the member names inside those classes change between GCC
releases. So members are found by name wherever they sit in the base classes and nested members,
which survives the reshuffles that happened between GCC 7 and 13.
"""

import gdb


def find_member(value, name, depth=6):
    """The member called name in value, looked for through bases and nested members; or None."""
    value_type = value.type.strip_typedefs()
    if value_type.code not in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION) or depth == 0:
        return None
    for field in value_type.fields():
        if field.name == name:
            return value[field]
    for field in value_type.fields():
        if field.name is None or field.artificial or field.is_base_class is None:
            continue
        found = find_member(value[field], name, depth - 1)
        if found is not None:
            return found
    return None


def first_pointer(value, depth=6):
    """The first pointer inside value: what a unique_ptr with the default deleter holds."""
    value_type = value.type.strip_typedefs()
    if value_type.code == gdb.TYPE_CODE_PTR:
        return value
    if value_type.code != gdb.TYPE_CODE_STRUCT or depth == 0:
        return None
    for field in value_type.fields():
        if field.name is None or field.artificial:
            continue
        found = first_pointer(value[field], depth - 1)
        if found is not None:
            return found
    return None


def deref(value):
    """The object a reference, pointer, shared_ptr or unique_ptr refers to; None when null."""
    value_type = value.type.strip_typedefs()
    if value_type.code in (gdb.TYPE_CODE_REF, gdb.TYPE_CODE_RVALUE_REF):
        return deref(value.referenced_value())
    if value_type.code == gdb.TYPE_CODE_PTR:
        return value.dereference() if int(value) != 0 else None
    tag = value_type.tag or ""
    if tag.startswith("std::shared_ptr<"):
        return deref(find_member(value, "_M_ptr"))
    if tag.startswith("std::unique_ptr<"):
        return deref(first_pointer(value))
    return value


def optional_get(value):
    """The value a std::optional holds, or None when it is empty."""
    engaged = find_member(value, "_M_engaged")
    if engaged is None or not bool(engaged):
        return None
    return find_member(value, "_M_value")


def map_items(value, limit=10000):
    """The (key, mapped) pairs of a std::map in order, read by walking its red-black tree."""
    map_type = value.type.strip_typedefs()
    pair_type = gdb.lookup_type(str(map_type) + "::value_type").strip_typedefs()
    members = {field.name: field for field in pair_type.fields()}
    first, second = members["first"], members["second"]
    header = find_member(value, "_M_header")
    count = min(int(find_member(value, "_M_node_count")), limit)
    # A node is the tree links (_Rb_tree_node_base) followed by the pair, aligned for it; the
    # member offsets come from the pair's own debug info, which gets the padding right.
    pair_offset = _aligned(header.type.sizeof, pair_type.alignof)
    byte_pointer = gdb.lookup_type("char").pointer()
    node = header["_M_left"]
    for _ in range(count):
        pair = node.cast(byte_pointer) + pair_offset
        yield ((pair + first.bitpos // 8).cast(first.type.pointer()).dereference(),
               (pair + second.bitpos // 8).cast(second.type.pointer()).dereference())
        node = _rb_successor(node)


def unordered_map_items(value, limit=100000):
    """The (key, mapped) pairs of a std::unordered_map, in the order of its node list (the hash
    order), read by walking that singly linked list from _M_before_begin."""
    map_type = value.type.strip_typedefs()
    pair_type = gdb.lookup_type(str(map_type) + "::value_type").strip_typedefs()
    members = {field.name: field for field in pair_type.fields()}
    first, second = members["first"], members["second"]
    node = find_member(value, "_M_before_begin")["_M_nxt"]
    count = min(int(find_member(value, "_M_element_count")), limit)
    # A node is its next pointer (_Hash_node_base) followed by the pair, aligned for it.
    pair_offset = _aligned(node.type.sizeof, pair_type.alignof)
    byte_pointer = gdb.lookup_type("char").pointer()
    for _ in range(count):
        if int(node) == 0:
            return
        pair = node.cast(byte_pointer) + pair_offset
        yield ((pair + first.bitpos // 8).cast(first.type.pointer()).dereference(),
               (pair + second.bitpos // 8).cast(second.type.pointer()).dereference())
        node = node["_M_nxt"]


def _aligned(offset, alignment):
    return (offset + alignment - 1) // alignment * alignment


def _rb_successor(node):
    """The next node in order, as std::_Rb_tree_increment finds it."""
    if int(node["_M_right"]) != 0:
        node = node["_M_right"]
        while int(node["_M_left"]) != 0:
            node = node["_M_left"]
        return node
    parent = node["_M_parent"]
    while node == parent["_M_right"]:
        node = parent
        parent = parent["_M_parent"]
    return parent


def vector_range(value):
    """(pointer to the first element, element count) of a std::vector."""
    start = find_member(value, "_M_start")
    finish = find_member(value, "_M_finish")
    return start, int(finish - start)


def span_range(value):
    """(pointer, length) of a std::span with a dynamic extent."""
    return find_member(value, "_M_ptr"), int(find_member(value, "_M_extent_value"))


def read_bytes(pointer, length, limit=65536):
    """length bytes from the inferior at pointer (at most limit), as Python bytes."""
    if length <= 0 or int(pointer) == 0:
        return b""
    memory = gdb.selected_inferior().read_memory(int(pointer), min(length, limit))
    return bytes(memory)
