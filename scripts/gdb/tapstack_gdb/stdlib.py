"""Reading libstdc++ objects (optional, unique_ptr, shared_ptr, unordered_map, vector, span) from
Python.

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


def unordered_map_items(value, limit=100000):
    """The (key, mapped) pairs of a std::unordered_map, in the order of its node list (the hash
    order), read by walking that singly linked list from _M_before_begin."""
    map_type = value.type.strip_typedefs()
    pair_type = gdb.lookup_type(str(map_type) + "::value_type").strip_typedefs()
    members = {field.name: field for field in pair_type.fields()}
    first, second = members["first"], members["second"]
    node = find_member(value, "_M_before_begin")["_M_nxt"]
    count = min(int(find_member(value, "_M_element_count")), limit)
    pair_offset = _hash_node_storage_offset(pair_type, node.type.target().sizeof)
    byte_pointer = gdb.lookup_type("char").pointer()
    for _ in range(count):
        if int(node) == 0:
            return
        pair = node.cast(byte_pointer) + pair_offset
        yield ((pair + first.bitpos // 8).cast(first.type.pointer()).dereference(),
               (pair + second.bitpos // 8).cast(second.type.pointer()).dereference())
        node = node["_M_nxt"]


def _hash_node_storage_offset(pair_type, base_size):
    """Where the pair sits in a hash table's node: read from the node type's debug info (the
    storage is not always aligned as the pair's type says), or, without it, after the next
    pointer (_Hash_node_base) at the pair's alignment."""
    for cached in ("false", "true"):
        try:
            node_type = gdb.lookup_type("std::__detail::_Hash_node<%s, %s>" % (pair_type, cached))
        except gdb.error:
            continue
        offset = _member_offset(node_type, "_M_storage")
        if offset is not None:
            return offset
    return _aligned(base_size, pair_type.alignof)


def _member_offset(struct_type, name, depth=6):
    """The byte offset of the member called name in struct_type, through bases; or None."""
    if depth == 0:
        return None
    for field in struct_type.strip_typedefs().fields():
        if field.name == name:
            return field.bitpos // 8
        if field.type.strip_typedefs().code == gdb.TYPE_CODE_STRUCT:
            inner = _member_offset(field.type, name, depth - 1)
            if inner is not None:
                return field.bitpos // 8 + inner
    return None


def _aligned(offset, alignment):
    return (offset + alignment - 1) // alignment * alignment


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
