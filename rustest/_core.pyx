"""The compiled planner: the twin of ``rustest/_core_py.py``, with the same results.

``plan()`` runs the same five passes as the pure-Python core (closures,
instances, loops, order, steps) and builds an equal ``Plan``. What differs is
how the work is done:

- closures: each visibility (``_View``) memoises what fixture names mean and
  the setup order of each fixture's subtree (an ``_IntVec``), and views
  below the root reuse the root's answers unless a name they override is
  involved, so a new closure is a merge of known subtrees; a fixture's
  argument pairs are shared by the closures that place its requests alike;
  a closure that meets an error is walked again exactly as the Python twin
  walks it (``_Walk``), so the error is the same one; a ``TestDef``'s
  fields are read straight from its slots;
- instances: raw items and raw instances are columns of C ints (``_IntVec``),
  each closure's per-position facts one malloc'd block (``_ClosureInfo``),
  and instance keys and item contexts runs of ints in a C hash table
  (``_KeyTable``), so a typical item copies its closure's scoped instances
  for its context instead of looking up one key per fixture;
- loops, order and steps: union-find over a C array, pytest's reordering on
  stamps and linked lists (``_Regrouping``), teardown bucketing by counting
  sort, and steps written straight into the ``array.array`` columns of the
  plan.

Error messages come from ``rustest._plan_messages``, as in the Python twin.
Compiler directives (``language_level`` and friends) are set in ``setup.py``.
"""

cimport cython
from cpython.array cimport array, clone
from cpython.object cimport PyObject, PyTypeObject, descrsetfunc
from cpython.ref cimport Py_INCREF
from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM
from cpython.unicode cimport PyUnicode_Find
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcmp, memcpy, memset

import dataclasses
import gc
from collections import deque
from types import MemberDescriptorType

from rustest import _plan_messages as messages
from rustest._definitions import BUILTIN, SESSION_NODE, TestDef
from rustest._errors import DefinitionError, PlanError
from rustest._plan import DIRECT, NO_LOOP, REQUEST, Closure, LoopSpec, Plan, StepKind
from rustest._scope import Scope

__all__ = ["IMPLEMENTATION", "plan"]

IMPLEMENTATION = "cython"
"""Which core this is: ``"cython"`` here, ``"python"`` in the pure-Python twin."""

# C copies of the shared constants, read from their Python definitions so they cannot drift.
cdef int _FUNCTION = Scope.FUNCTION
cdef int _CLASS = Scope.CLASS
cdef int _MODULE = Scope.MODULE
cdef int _PACKAGE = Scope.PACKAGE
cdef int _SESSION = Scope.SESSION
cdef int _N_SCOPES = len(Scope)
cdef tuple _SCOPES = tuple(Scope)
cdef int _REQUEST = REQUEST
cdef int _DIRECT = DIRECT
cdef int _NO_LOOP = NO_LOOP
cdef int _BUILTIN = BUILTIN
cdef signed char _OPEN = StepKind.OPEN_LOOP
cdef signed char _SETUP = StepKind.SETUP
cdef signed char _CALL = StepKind.CALL
cdef signed char _TEARDOWN = StepKind.TEARDOWN
cdef signed char _CLOSE = StepKind.CLOSE_LOOP
cdef signed char _PLAN_ERROR = StepKind.PLAN_ERROR

# How a closure position takes params.
cdef enum:
    _NO_PARAM = 0
    _OWN_PARAM = 1
    _INDIRECT_PARAM = 2

# Bits of _ClosureInfo.flags.
cdef enum:
    _IS_ASYNC = 1
    _BACKEND_DEP = 2
    _HAS_DIRECT = 4
    _TAKES_REQUEST = 8

# Loop key of a raw item: no loop, or a function loop of its own; shared keys are >= 0.
cdef enum:
    _KEY_NONE = -1
    _KEY_OWN = -2

# The scopes pytest's reordering groups by, widest first.
cdef int _LEVELS = 4
cdef int[4] _HIGH_SCOPES = [Scope.SESSION, Scope.PACKAGE, Scope.MODULE, Scope.CLASS]

cdef extern from "Python.h":
    ctypedef struct PyMemberDef:
        Py_ssize_t offset
    ctypedef struct PyMemberDescrObject:
        PyMemberDef* d_member

cdef array _INT_ARRAY = array("i")
cdef array _BYTE_ARRAY = array("b")
cdef frozenset _NOTHING = frozenset()
# Markers of the subtree memo: not computed yet, and being computed (met again: a cycle).
cdef object _MISSING = object()
cdef object _BUSY = object()


cdef bint _stores_only(cls, tuple names):
    """Whether constructing the dataclass *cls* does nothing but store *names*, in order, in slots."""
    fields = dataclasses.fields(cls)
    return (
        not hasattr(cls, "__post_init__")
        and tuple([f.name for f in fields]) == names
        and all([f.init for f in fields])
        and all([type(cls.__dict__.get(name)) is MemberDescriptorType for name in names])
    )


# The plan holds one Closure per closure and one LoopSpec per loop, tens of thousands of each on
# a large suite. Their generated __init__ runs in the interpreter and costs more than the rest of
# their planning, so they are built as that __init__ builds them: a bare instance from the type's
# tp_new, each field stored through its slot's member descriptor (what object.__setattr__ ends
# in, without looking the descriptor up again). The check falls back to the constructor if the
# classes ever do more, or keep a field elsewhere than in a slot.
cdef tuple _NO_ARGS = ()
cdef tuple _CLOSURE_FIELDS = ("defs", "args", "test_args", "param_positions")
cdef tuple _LOOP_FIELDS = ("backend", "scope", "node", "item", "inline", "step_count")
cdef bint _DIRECT_CLOSURE = _stores_only(Closure, _CLOSURE_FIELDS)
cdef bint _DIRECT_LOOP = _stores_only(LoopSpec, _LOOP_FIELDS)
cdef tuple _CLOSURE_SLOTS = _slots(Closure, _CLOSURE_FIELDS)
cdef tuple _LOOP_SLOTS = _slots(LoopSpec, _LOOP_FIELDS)
cdef descrsetfunc _set_slot = (<PyTypeObject*>MemberDescriptorType).tp_descr_set


cdef tuple _slots(cls, tuple names):
    """Return the member descriptors of the slots *names* of *cls* (``None`` where there is none)."""
    return tuple([cls.__dict__.get(name) for name in names])


cdef inline object _bare(cls):
    """Return a new instance of *cls* with no field set, as ``object.__new__(cls)`` does."""
    return (<PyTypeObject*>cls).tp_new(cls, <PyObject*>_NO_ARGS, NULL)


cdef object _new_closure(tuple defs, tuple args, tuple test_args, tuple param_positions):
    if not _DIRECT_CLOSURE:
        return Closure(defs, args, test_args, param_positions)
    closure = _bare(Closure)
    _set_slot(_CLOSURE_SLOTS[0], closure, defs)
    _set_slot(_CLOSURE_SLOTS[1], closure, args)
    _set_slot(_CLOSURE_SLOTS[2], closure, test_args)
    _set_slot(_CLOSURE_SLOTS[3], closure, param_positions)
    return closure


cdef object _new_loop(backend, scope, int node, int item, bint inline, int step_count):
    if not _DIRECT_LOOP:
        return LoopSpec(backend, scope, node, item, inline, step_count)
    loop = _bare(LoopSpec)
    _set_slot(_LOOP_SLOTS[0], loop, backend)
    _set_slot(_LOOP_SLOTS[1], loop, scope)
    _set_slot(_LOOP_SLOTS[2], loop, node)
    _set_slot(_LOOP_SLOTS[3], loop, item)
    _set_slot(_LOOP_SLOTS[4], loop, inline)
    _set_slot(_LOOP_SLOTS[5], loop, step_count)
    return loop


# The planner reads a dozen fields of every test; through attribute lookup that is a tenth of its
# work on a large suite. TestDef keeps its fields in slots, so they are read where each slot's
# member descriptor says they are. An instance of a subclass, or a field that is not a plain
# slot, is read with getattr.
cdef type _TEST_TYPE = TestDef
cdef Py_ssize_t _T_ID = _slot_offset(TestDef, "id")
cdef Py_ssize_t _T_NODE = _slot_offset(TestDef, "node")
cdef Py_ssize_t _T_REQUESTS = _slot_offset(TestDef, "requests")
cdef Py_ssize_t _T_USEFIXTURES = _slot_offset(TestDef, "usefixtures")
cdef Py_ssize_t _T_IS_ASYNC = _slot_offset(TestDef, "is_async")
cdef Py_ssize_t _T_BACKEND = _slot_offset(TestDef, "backend")
cdef Py_ssize_t _T_LOOP_SCOPE = _slot_offset(TestDef, "loop_scope")
cdef Py_ssize_t _T_VALUES = _slot_offset(TestDef, "values")
cdef Py_ssize_t _T_INDIRECT = _slot_offset(TestDef, "indirect")
cdef Py_ssize_t _T_SKIP = _slot_offset(TestDef, "skip")
cdef Py_ssize_t _T_XFAIL = _slot_offset(TestDef, "xfail")


cdef Py_ssize_t _slot_offset(cls, str name):
    """Return where instances of *cls* keep the field *name*, or -1 if it is not a plain slot."""
    descr = cls.__dict__.get(name)
    if type(descr) is not MemberDescriptorType:
        return -1
    return (<PyMemberDescrObject*>descr).d_member.offset


cdef inline object _field(test, Py_ssize_t offset, str name):
    """Return the field *name* of *test*, kept at *offset* in a ``TestDef``."""
    cdef PyObject* value
    if offset >= 0 and type(test) is _TEST_TYPE:
        value = (<PyObject**>((<char*><PyObject*>test) + offset))[0]
        if value != NULL:
            return <object>value
    return getattr(test, name)


def plan(nodes, fixtures, tests, *, request_name="request"):
    """Plan *tests* over *fixtures* within the scope tree *nodes*.

    ``nodes[0]`` must be the session root and every node's parent must come
    before it. Malformed input raises ``DefinitionError``; problems of single
    tests (unknown fixture, cycle, scope or loop-scope conflicts) become
    per-test errors in ``Plan.errors`` and never stop the plan.
    """
    # Planning builds a large acyclic object graph. While it grows, CPython's cycle collector
    # would traverse the whole heap again and again for nothing; pausing it saves a third of the
    # time on large suites.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _Planner(nodes, fixtures, tests, request_name).run()
    finally:
        if collecting:
            gc.enable()


@cython.final
cdef class _IntVec:
    """A growable buffer of C ints, freed with its owner."""

    cdef int* data
    cdef Py_ssize_t size
    cdef Py_ssize_t capacity

    def __dealloc__(self):
        free(self.data)

    cdef int reserve(self, Py_ssize_t need) except -1:
        """Make room for *need* ints; the buffer is never NULL afterwards."""
        cdef Py_ssize_t capacity
        cdef int* grown
        if need <= self.capacity and self.data != NULL:
            return 0
        capacity = max(need, 2 * self.capacity, 16)
        grown = <int*>realloc(self.data, capacity * sizeof(int))
        if grown == NULL:
            raise MemoryError()
        self.data = grown
        self.capacity = capacity
        return 0

    cdef inline int push(self, int value) except -1:
        if self.size == self.capacity:
            self.reserve(self.size + 1)
        self.data[self.size] = value
        self.size += 1
        return 0

    cdef int fill(self, Py_ssize_t n, int value) except -1:
        """Make the buffer *n* ints long, every one *value*."""
        cdef Py_ssize_t i
        self.reserve(n)
        if value == 0 or value == -1:
            # Every byte of 0 and of -1 is the same, which memset writes fastest.
            memset(self.data, value, n * sizeof(int))
        else:
            for i in range(n):
                self.data[i] = value
        self.size = n
        return 0

    cdef int copy_from(self, _IntVec other) except -1:
        """Make the buffer an exact copy of *other*."""
        self.reserve(other.size)
        if other.size:
            memcpy(self.data, other.data, other.size * sizeof(int))
        self.size = other.size
        return 0

    cdef array to_array(self):
        """Return a copy as an ``array("i")``."""
        cdef array out = clone(_INT_ARRAY, self.size, False)
        if self.size:
            memcpy(out.data.as_ints, self.data, self.size * sizeof(int))
        return out


cdef _IntVec _filled(Py_ssize_t n, int value):
    cdef _IntVec vec = _IntVec()
    vec.fill(n, value)
    return vec


cdef _IntVec _counting(Py_ssize_t n):
    """Return ``[0, 1, ..., n - 1]``."""
    cdef _IntVec vec = _IntVec()
    cdef Py_ssize_t i
    vec.fill(n, 0)
    for i in range(n):
        vec.data[i] = <int>i
    return vec


@cython.final
cdef class _KeyTable:
    """A hash table from short runs of C ints to C ints: the planner's keys without Python objects.

    Entry *e* has the key ``ints[start[e]:start[e + 1]]`` and the value
    ``values[e]``; ``slots`` indexes the entries by hash (open addressing,
    linear probing, never more than half full).
    """

    cdef _IntVec ints
    cdef _IntVec start
    cdef _IntVec values
    cdef _IntVec slots
    cdef Py_ssize_t mask

    def __cinit__(self):
        self.ints = _IntVec()
        self.start = _filled(1, 0)
        self.values = _IntVec()
        self.slots = _filled(1024, -1)
        self.mask = 1023

    cdef int get(self, const int* key, int length):
        """Return the value of *key*, or -1 if it has none."""
        cdef Py_ssize_t slot = _hash(key, length) & self.mask
        cdef int entry
        while True:
            entry = self.slots.data[slot]
            if entry < 0:
                return -1
            if self.holds(entry, key, length):
                return self.values.data[entry]
            slot = (slot + 1) & self.mask

    cdef int put(self, const int* key, int length, int value) except -1:
        """Give *key*, which has no value yet, the *value*."""
        cdef int entry = <int>self.values.size
        cdef int i
        for i in range(length):
            self.ints.push(key[i])
        self.start.push(<int>self.ints.size)
        self.values.push(value)
        if 2 * self.values.size > self.mask + 1:
            self.slots.fill(2 * (self.mask + 1), -1)
            self.mask = 2 * self.mask + 1
            for entry in range(self.values.size):
                self.index(entry)
        else:
            self.index(entry)
        return 0

    cdef void index(self, int entry) noexcept:
        cdef int first = self.start.data[entry]
        cdef Py_ssize_t slot = _hash(self.ints.data + first, self.start.data[entry + 1] - first) & self.mask
        while self.slots.data[slot] >= 0:
            slot = (slot + 1) & self.mask
        self.slots.data[slot] = entry

    cdef bint holds(self, int entry, const int* key, int length) noexcept:
        cdef int first = self.start.data[entry]
        return (
            self.start.data[entry + 1] - first == length
            and memcmp(self.ints.data + first, key, length * sizeof(int)) == 0
        )


@cython.final
cdef class _ClosureInfo:
    """A resolved closure plus the per-position facts the later passes read as C ints.

    Positions are in setup order, widest scope first, so the scoped positions
    are the prefix ``[0, n_scoped)``. Position *j* has its arguments at
    ``arg_pos[arg_start[j]:arg_start[j + 1]]`` (``REQUEST``/``DIRECT``
    included). ``param_pos`` lists the parametrized positions in expansion
    order, ``own_pos`` those with params of their own (position *j* is slot
    ``own_slot[j]`` of them, or -1). The columns share one malloc'd block.
    ``top`` maps each name the test asks for (autouse and usefixtures
    included) to what it means, in the order asked.
    """

    cdef object closure
    cdef int index
    cdef int n
    cdef int n_scoped
    cdef int n_params
    cdef int n_own
    cdef dict top
    cdef int* block
    cdef int* defs
    cdef int* scopes
    cdef int* flags
    cdef int* kinds
    cdef int* own_slot
    cdef int* arg_start
    cdef int* arg_pos
    cdef int* param_pos
    cdef int* own_pos
    cdef int* own_size
    cdef list own_ids
    cdef list pinned
    cdef list indirect_scoped
    cdef bint direct_scoped
    cdef bint test_takes_request

    def __dealloc__(self):
        free(self.block)

    cdef int allocate(self, int n, int n_args, int n_params) except -1:
        self.block = <int*>malloc((6 * n + 1 + n_args + 3 * n_params + 1) * sizeof(int))
        if self.block == NULL:
            raise MemoryError()
        self.n = n
        self.n_params = n_params
        self.defs = self.block
        self.scopes = self.defs + n
        self.flags = self.scopes + n
        self.kinds = self.flags + n
        self.own_slot = self.kinds + n
        self.arg_start = self.own_slot + n
        self.arg_pos = self.arg_start + n + 1
        self.param_pos = self.arg_pos + n_args
        self.own_pos = self.param_pos + n_params
        self.own_size = self.own_pos + n_params
        return 0

    cdef int mismatch(self, backend):
        """Return the first position pinned to a backend other than *backend*, or -1."""
        if self.pinned is not None:
            for j, pinned_to in self.pinned:
                if pinned_to != backend:
                    return j
        return -1


@cython.final
cdef class _Walk:
    """The depth-first walk of the Python twin, kept exact so errors are found in the same order."""

    cdef _Planner planner
    cdef int node
    cdef frozenset shadow
    cdef list postorder
    cdef dict state
    cdef dict deps_of
    cdef list stack

    def __cinit__(self, _Planner planner, int node, frozenset shadow):
        self.planner = planner
        self.node = node
        self.shadow = shadow
        self.postorder = []
        self.state = {}
        self.deps_of = {}
        self.stack = []

    cdef object visit(self, int d):
        """Visit *d* and what it requests; return the first ``PlanError`` met, else ``None``."""
        cdef tuple fixtures = self.planner.fixtures
        cdef list deps
        cdef Py_ssize_t at
        cdef int r
        st = self.state.get(d)
        if st == 1:
            return None
        if st == 0:
            at = self.stack.index(d)
            return messages.cycle([fixtures[x].name for x in self.stack[at:]] + [fixtures[d].name])
        self.state[d] = 0
        self.stack.append(d)
        fx = fixtures[d]
        deps = []
        for name in fx.requests:
            found = self.planner.meaning(self.node, self.shadow, name, d)
            if found is None:
                return self.planner.unknown(self.node, name, fx)
            r = found
            if r >= 0:
                if fixtures[r].scope < fx.scope:
                    return messages.scope_mismatch(fx, fixtures[r])
                err = self.visit(r)
                if err is not None:
                    return err
            deps.append((name, r))
        self.stack.pop()
        self.state[d] = 1
        self.deps_of[d] = tuple(deps)
        self.postorder.append(d)
        return None


@cython.final
cdef class _View:
    """What the nodes of one visibility see, with one set of names shadowed by parametrization.

    It memoises what the Python twin recomputes for every closure: what a name
    means to a test, what each fixture requests, and the setup order
    (postorder) of each fixture's subtree. ``None`` marks a subtree holding an
    error (unknown name, cycle, scope mismatch); a closure reaching one is
    walked again by ``_Walk``, which reports the error the Python twin does.
    ``node`` is the nearest node that defines fixtures: nodes below it that
    define none see exactly the same and share the view.

    The root view memoises per definition in lists. A view below the root
    answers as the root does whenever no name involved is ``overridden``
    (defined below the root on the view's chain), since every lookup then
    gives what it gives at the root; the planner's ``f_local`` and
    ``f_subtree_local`` flags tell when a name defined anywhere below the
    root is involved at all, so most questions never reach the view's own
    dicts.
    """

    cdef int node
    cdef frozenset shadow
    cdef _View root
    cdef frozenset overridden
    cdef dict meanings
    cdef list dense_deps
    cdef list dense_subtrees
    cdef list dense_requested
    cdef dict deps
    cdef dict subtrees
    cdef dict requested

    def __cinit__(self, int node, frozenset shadow, _View root, frozenset overridden, Py_ssize_t n_fixtures):
        self.node = node
        self.shadow = shadow
        self.root = root
        self.overridden = overridden
        self.meanings = {}
        if root is None:
            self.dense_deps = [_MISSING] * n_fixtures
            self.dense_subtrees = [_MISSING] * n_fixtures
            self.dense_requested = [None] * n_fixtures
        else:
            self.deps = {}
            self.subtrees = {}
            self.requested = {}

    cdef object meaning(self, _Planner planner, name):
        """Return what *name* means to a test: a definition, ``REQUEST``, ``DIRECT`` or ``None``."""
        found = self.meanings.get(name, _MISSING)
        if found is _MISSING:
            if self.root is not None and name not in self.overridden:
                found = self.root.meaning(planner, name)
            else:
                found = planner.meaning(self.node, self.shadow, name, -1)
            self.meanings[name] = found
        return found

    cdef object deps_of(self, _Planner planner, int d):
        """Return ``((name, definition), ...)`` for what *d* requests, or ``None`` on an error."""
        if self.root is None:
            found = self.dense_deps[d]
            if found is _MISSING:
                found = self.dense_deps[d] = self.resolve_deps(planner, d)
            return found
        if not planner.f_local.data[d]:
            return self.root.deps_of(planner, d)
        found = self.deps.get(d, _MISSING)
        if found is _MISSING:
            if self.overridden.isdisjoint(planner.fixtures[d].requests):
                found = self.root.deps_of(planner, d)
            else:
                found = self.resolve_deps(planner, d)
            self.deps[d] = found
        return found

    cdef object resolve_deps(self, _Planner planner, int d):
        cdef int r
        cdef int* f_scope = planner.f_scope.data
        deps = []
        for name in planner.fixtures[d].requests:
            meant = planner.meaning(self.node, self.shadow, name, d)
            if meant is None:
                return None
            r = meant
            if r >= 0 and f_scope[r] < f_scope[d]:
                return None
            deps.append((name, r))
        return tuple(deps)

    cdef object requested_in(self, int d):
        """Return the names requested anywhere in *d*'s subtree (which must be computed)."""
        if self.root is None:
            return self.dense_requested[d]
        found = self.requested.get(d)
        return self.root.dense_requested[d] if found is None else found

    cdef object subtree(self, _Planner planner, int d):
        """Return the postorder of *d*'s subtree as an ``_IntVec``, or ``None`` if it holds an error.

        A depth-first postorder from *d* that skips what is already visited is
        this postorder with the visited definitions left out, which is how
        closures are merged from subtrees.
        """
        cdef int local
        if self.root is None:
            found = self.dense_subtrees[d]
            if found is _BUSY:
                return None
            if found is _MISSING:
                self.dense_subtrees[d] = _BUSY
                found = self.dense_subtrees[d] = self.walk_subtree(planner, d)
            return found
        shared = self.root.subtree(planner, d)
        if shared is not None:
            local = planner.f_subtree_local.data[d]
            if local < 0:
                local = planner.f_subtree_local.data[d] = not planner.below_root.isdisjoint(
                    self.root.dense_requested[d]
                )
            if not local:
                return shared
        found = self.subtrees.get(d, _MISSING)
        if found is _BUSY:
            return None
        if found is not _MISSING:
            return found
        if shared is not None and self.overridden.isdisjoint(self.root.dense_requested[d]):
            found = shared
        else:
            self.subtrees[d] = _BUSY
            found = self.walk_subtree(planner, d)
        self.subtrees[d] = found
        return found

    cdef object walk_subtree(self, _Planner planner, int d):
        """Compute *d*'s subtree from its requests' subtrees; record the names requested in it."""
        cdef int r
        cdef list parts = []
        deps = self.deps_of(planner, d)
        if deps is None:
            return None
        names = set(planner.fixtures[d].requests)
        for _name, r in deps:
            if r >= 0:
                part = self.subtree(planner, r)
                if part is None:
                    return None
                parts.append(part)
                names.update(self.requested_in(r))
        if self.root is None:
            self.dense_requested[d] = names
        else:
            self.requested[d] = names
        postorder = _IntVec()
        planner.merge(parts, d, postorder)
        return postorder


@cython.final
cdef class _Planner:
    """Plans one input; the attributes are the columns every pass reads or writes."""

    # Input, and what indexing it yields.
    cdef tuple nodes
    cdef tuple fixtures
    cdef tuple tests
    cdef object request_name
    cdef Py_ssize_t n_nodes
    cdef list chains
    cdef _IntVec scope_node_at
    cdef dict defs_at
    cdef dict builtins
    cdef dict autouse_at
    cdef list autouse_names
    cdef list visible_at
    cdef dict names_at
    cdef list overridden
    cdef _IntVec view_node
    cdef list views
    cdef dict shadowed_views
    cdef dict closure_cache
    cdef list plain_closures
    cdef dict name_sets
    cdef dict single_names
    cdef list closure_infos
    cdef _IntVec f_scope
    cdef _IntVec f_async
    cdef _IntVec f_loop_scope
    cdef _IntVec f_pinned
    cdef _IntVec f_params
    cdef _IntVec f_local
    cdef _IntVec f_subtree_local
    cdef frozenset below_root
    cdef list param_ids
    cdef _IntVec t_node
    cdef _IntVec t_loop_scope
    cdef _IntVec t_async
    cdef list t_backend
    cdef _IntVec t_backend_id
    cdef long long n_backends
    cdef _IntVec position_of
    cdef _IntVec order
    cdef _IntVec seen
    cdef _IntVec merged
    cdef _KeyTable arg_keys
    cdef _IntVec arg_key
    cdef list shared_args
    cdef int seen_stamp
    # Raw items, in collection order: item r owns r_inst[r_inst_start[r]:r_inst_start[r + 1]] and
    # runs the closure numbered r_closure[r], or -1 for an item that runs nothing (skipped, or
    # with an error, in r_error[r]).
    cdef _IntVec r_test
    cdef _IntVec r_closure
    cdef list r_id
    cdef list r_error
    cdef _IntVec r_inst_start
    cdef _IntVec r_inst
    # Raw instances: instance k depends on k_deps[k_dep_start[k]:k_dep_start[k + 1]].
    cdef _IntVec k_def
    cdef _IntVec k_scope
    cdef _IntVec k_node
    cdef _IntVec k_async
    cdef _IntVec k_param
    cdef _IntVec k_param_kind
    cdef _IntVec k_dep_start
    cdef _IntVec k_deps
    cdef _KeyTable instance_keys
    cdef _KeyTable contexts
    cdef _IntVec key
    cdef _IntVec context
    cdef dict indirect_ids
    cdef _IntVec prefixes
    cdef _IntVec choice
    # Loops: each raw item's key (_KEY_NONE, _KEY_OWN or an index into shared_keys).
    cdef _IntVec loop_key
    cdef list shared_keys
    cdef tuple async_users

    def __cinit__(self, nodes, fixtures, tests, request_name):
        self.nodes = tuple(nodes)
        self.fixtures = tuple(fixtures)
        self.tests = tuple(tests)
        self.request_name = request_name
        self.n_nodes = len(self.nodes)
        self.check_nodes()
        self.chains = []
        self.scope_node_at = _IntVec()
        self.index_nodes()
        self.defs_at = {}
        self.builtins = {}
        self.autouse_at = {}
        self.index_fixtures()
        self.index_views()
        self.index_tests()
        self.autouse_names = [None] * self.n_nodes
        self.visible_at = [None] * self.n_nodes
        self.views = [None] * self.n_nodes
        self.shadowed_views = {}
        self.closure_cache = {}
        self.plain_closures = [None] * self.n_nodes
        self.name_sets = {}
        self.single_names = {}
        self.closure_infos = []
        self.position_of = _filled(len(self.fixtures), -1)
        self.order = _IntVec()
        self.seen = _filled(len(self.fixtures), 0)
        self.seen_stamp = 0
        self.merged = _IntVec()
        self.arg_keys = _KeyTable()
        self.arg_key = _IntVec()
        self.shared_args = []
        self.r_test = _IntVec()
        self.r_closure = _IntVec()
        self.r_id = []
        self.r_error = []
        self.r_inst_start = _filled(1, 0)
        self.r_inst = _IntVec()
        self.k_def = _IntVec()
        self.k_scope = _IntVec()
        self.k_node = _IntVec()
        self.k_async = _IntVec()
        self.k_param = _IntVec()
        self.k_param_kind = _IntVec()
        self.k_dep_start = _filled(1, 0)
        self.k_deps = _IntVec()
        self.instance_keys = _KeyTable()
        self.contexts = _KeyTable()
        self.key = _IntVec()
        self.context = _IntVec()
        self.indirect_ids = {}
        self.prefixes = _IntVec()
        self.choice = _IntVec()
        self.loop_key = _IntVec()
        self.shared_keys = []

    # -- input indexing ---------------------------------------------------

    cdef check_nodes(self):
        nodes = self.nodes
        if not nodes or nodes[0].scope is not Scope.SESSION or nodes[0].parent != -1:
            raise DefinitionError("nodes[0] must be the session root: Node(Scope.SESSION, parent=-1, ...)")
        for i in range(1, len(nodes)):
            node = nodes[i]
            if not 0 <= node.parent < i:
                raise DefinitionError(
                    f"node {i} ({node.name!r}) has parent {node.parent}: "
                    "a node's parent must be listed before it"
                )
            if node.scope is Scope.SESSION:
                raise DefinitionError(f"node {i} ({node.name!r}): only nodes[0] may have session scope")
            if node.scope > nodes[node.parent].scope and nodes[node.parent].scope is not Scope.SESSION:
                raise DefinitionError(
                    f"node {i} ({node.name!r}) is a {node.scope.label} inside a "
                    f"{nodes[node.parent].scope.label}: nodes must nest from wide to narrow"
                )

    cdef index_nodes(self):
        """Record each node's chain to the root and the node it belongs to at every scope."""
        cdef Py_ssize_t i
        cdef int parent, scope
        cdef int* at
        self.scope_node_at.fill(self.n_nodes * _N_SCOPES, -1)
        at = self.scope_node_at.data
        for i in range(self.n_nodes):
            if i == 0:
                self.chains.append((0,))
                at[_CLASS] = SESSION_NODE
                at[_MODULE] = SESSION_NODE
                at[_PACKAGE] = SESSION_NODE
                at[_SESSION] = SESSION_NODE
                continue
            node = self.nodes[i]
            parent = node.parent
            scope = node.scope
            self.chains.append((i, *self.chains[parent]))
            at[i * _N_SCOPES + _SESSION] = SESSION_NODE
            at[i * _N_SCOPES + _PACKAGE] = i if scope == _PACKAGE else at[parent * _N_SCOPES + _PACKAGE]
            at[i * _N_SCOPES + _MODULE] = i if scope == _MODULE else at[parent * _N_SCOPES + _MODULE]
            # Outside any class, a class-scoped fixture gets one instance per module.
            at[i * _N_SCOPES + _CLASS] = i if scope == _CLASS else at[i * _N_SCOPES + _MODULE]

    cdef index_fixtures(self):
        cdef Py_ssize_t d
        cdef Py_ssize_t n_nodes = self.n_nodes
        self.f_scope = _IntVec()
        self.f_async = _IntVec()
        self.f_loop_scope = _IntVec()
        self.f_pinned = _IntVec()
        self.f_params = _IntVec()
        for d, fx in enumerate(self.fixtures):
            if fx.node == _BUILTIN:
                self.builtins[fx.name] = d
            elif 0 <= fx.node < n_nodes:
                self.defs_at[(fx.node, fx.name)] = d
            else:
                raise DefinitionError(
                    f"fixture {fx.name!r} ({fx.location or 'unknown location'}) names node {fx.node}, "
                    f"but there are {n_nodes} nodes"
                )
            self.f_scope.push(fx.scope)
            self.f_async.push(fx.is_async)
            self.f_loop_scope.push(-1 if fx.loop_scope is None else fx.loop_scope)
            self.f_pinned.push(fx.is_async and fx.backend is not None)
            self.f_params.push(-1 if fx.params is None else len(fx.params))
        # Autouse is by name: the last definition of a name at a node is the one that counts.
        for d, fx in enumerate(self.fixtures):
            if not fx.autouse:
                continue
            if fx.node == _BUILTIN:
                if self.builtins[fx.name] == d:
                    self.autouse_at.setdefault(_BUILTIN, []).append(d)
            elif self.defs_at[(fx.node, fx.name)] == d:
                self.autouse_at.setdefault(fx.node, []).append(d)

    cdef index_views(self):
        """Give each node the nearest node (itself included) that defines a fixture, or the root."""
        cdef Py_ssize_t i
        self.names_at = {}
        for node, name in self.defs_at:
            self.names_at.setdefault(node, []).append(name)
        self.below_root = frozenset([name for (node, name) in self.defs_at if node != SESSION_NODE])
        self.f_local = _IntVec()
        for fx in self.fixtures:
            self.f_local.push(not self.below_root.isdisjoint(fx.requests))
        self.f_subtree_local = _filled(len(self.fixtures), -1)
        self.param_ids = [None] * len(self.fixtures)
        self.overridden = [None] * self.n_nodes
        self.view_node = _filled(self.n_nodes, SESSION_NODE)
        for i in range(1, self.n_nodes):
            self.view_node.data[i] = i if i in self.names_at else self.view_node.data[self.nodes[i].parent]

    cdef index_tests(self):
        cdef Py_ssize_t n_nodes = self.n_nodes
        cdef Py_ssize_t node
        cdef int backend_id = -1
        self.t_node = _IntVec()
        self.t_loop_scope = _IntVec()
        self.t_async = _IntVec()
        self.t_backend = []
        self.t_backend_id = _IntVec()
        backend_ids = {}
        last_backend = _MISSING
        for test in self.tests:
            node = _field(test, _T_NODE, "node")
            if not 0 <= node < n_nodes:
                raise DefinitionError(f"test {test.id!r} names node {node}, but there are {n_nodes} nodes")
            loop_scope = _field(test, _T_LOOP_SCOPE, "loop_scope")
            backend = _field(test, _T_BACKEND, "backend")
            self.t_node.push(<int>node)
            self.t_loop_scope.push(-1 if loop_scope is None else loop_scope)
            self.t_async.push(_field(test, _T_IS_ASYNC, "is_async"))
            self.t_backend.append(backend)
            # Neighbouring tests nearly always share their backend.
            if backend is not last_backend:
                found = backend_ids.get(backend)
                if found is None:
                    found = backend_ids[backend] = len(backend_ids)
                backend_id = found
                last_backend = backend
            self.t_backend_id.push(backend_id)
        self.n_backends = len(backend_ids)

    cdef inline int scope_node(self, int node, int scope):
        return self.scope_node_at.data[node * _N_SCOPES + scope]

    # -- pass 1: closures -------------------------------------------------

    cdef tuple visible(self, int node, name):
        """Return the definitions of *name* visible from *node*, nearest first, built-ins last."""
        cdef dict at
        cdef tuple found
        # A node that defines nothing sees what the nearest defining node above it sees.
        node = self.view_node.data[node]
        at = self.visible_at[node]
        if at is None:
            at = self.visible_at[node] = {}
        found = at.get(name)
        if found is None:
            if node == SESSION_NODE:
                builtin = self.builtins.get(name)
                found = () if builtin is None else (builtin,)
            else:
                found = self.visible(self.nodes[node].parent, name)
            here = self.defs_at.get((node, name))
            if here is not None:
                found = (here,) + found
            at[name] = found
        return found

    cdef object meaning(self, int node, frozenset shadow, name, int requester):
        """Return what *name* means to *requester* (-1: the test) at *node*, or ``None`` if nothing."""
        cdef tuple visible
        cdef Py_ssize_t at
        if name == self.request_name:
            return _REQUEST
        if name in shadow:
            return _DIRECT
        visible = self.visible(node, name)
        if requester >= 0 and self.fixtures[requester].name == name:
            # Override chaining: a fixture asking for its own name gets the next outer one.
            try:
                at = visible.index(requester)
            except ValueError:
                return None
            return visible[at + 1] if at + 1 < len(visible) else None
        return visible[0] if visible else None

    cdef object unknown(self, int node, name, requester):
        chain = set(self.chains[node])
        names = [n for (at, n) in self.defs_at if at in chain]
        names.extend(self.builtins)
        return messages.unknown_fixture(name, requester, self.chains[node], self.nodes, names)

    cdef list autouse_at_node(self, int node):
        """Return the names of the autouse fixtures that apply at *node*, built-ins and root first."""
        cdef list names = self.autouse_names[node]
        if names is None:
            names = []
            for n in (_BUILTIN, *reversed(self.chains[node])):
                for d in self.autouse_at.get(n, ()):
                    names.append(self.fixtures[d].name)
            self.autouse_names[node] = names
        return names

    cdef _View view(self, int node, frozenset shadow):
        """Return the view of *node* with *shadow* shadowed, made on first use."""
        cdef _View found
        node = self.view_node.data[node]
        if not shadow:
            found = self.views[node]
        else:
            found = self.shadowed_views.get((node, shadow))
        if found is None:
            if node == SESSION_NODE:
                found = _View(node, shadow, None, _NOTHING, len(self.fixtures))
            else:
                found = _View(node, shadow, self.view(SESSION_NODE, shadow), self.overridden_at(node), 0)
            if not shadow:
                self.views[node] = found
            else:
                self.shadowed_views[(node, shadow)] = found
        return found

    cdef frozenset overridden_at(self, int node):
        """Return the names defined on *node*'s chain below the root."""
        cdef frozenset found = self.overridden[node]
        if found is None:
            if node == SESSION_NODE:
                found = _NOTHING
            else:
                found = self.overridden_at(self.nodes[node].parent).union(self.names_at.get(node, ()))
            self.overridden[node] = found
        return found

    cdef int merge(self, list parts, int last, _IntVec out) except -1:
        """Put in *out* the subtree postorders *parts* without repeats, then *last* (if >= 0)."""
        cdef int* seen = self.seen.data
        cdef int stamp, d
        cdef Py_ssize_t i
        cdef _IntVec part
        self.seen_stamp += 1
        stamp = self.seen_stamp
        out.size = 0
        for part in parts:
            for i in range(part.size):
                d = part.data[i]
                if seen[d] != stamp:
                    seen[d] = stamp
                    out.push(d)
        if last >= 0:
            out.push(last)
        return 0

    cdef object closure_of(self, Py_ssize_t t, test):
        """Return the cached ``_ClosureInfo`` (or ``PlanError``) of *test*'s closure."""
        cdef int node = self.t_node.data[t]
        cdef dict plain
        values = _field(test, _T_VALUES, "values")
        indirect = _field(test, _T_INDIRECT, "indirect")
        requests = _field(test, _T_REQUESTS, "requests")
        usefixtures = _field(test, _T_USEFIXTURES, "usefixtures")
        if not values and not indirect and not usefixtures:
            # Most tests only name the fixtures they take: their closures are cached per node by
            # the names alone, which spares building and hashing the full key.
            plain = self.plain_closures[node]
            if plain is None:
                plain = self.plain_closures[node] = {}
            found = plain.get(requests)
            if found is None:
                found = plain[requests] = self.resolve(node, requests, (), _NOTHING, _NOTHING)
            return found
        shadow = self.names_of(values)
        indirect_names = self.names_of(indirect)
        key = (node, requests, usefixtures, shadow, indirect_names)
        found = self.closure_cache.get(key)
        if found is None:
            found = self.resolve(node, requests, usefixtures, shadow, indirect_names)
            self.closure_cache[key] = found
        return found

    cdef frozenset names_of(self, mapping):
        """Return the keys of *mapping* as a frozenset, one shared object per set of names.

        Parametrized tests repeat the same few sets; sharing them makes the
        closure cache compare them by identity.
        """
        if not mapping:
            return _NOTHING
        if type(mapping) is dict and len(mapping) == 1:
            # Most parametrized tests take one direct argument: find its set by that name.
            for name in <dict>mapping:
                found = self.single_names.get(name)
                if found is None:
                    found = self.single_names[name] = self.shared_names(frozenset((name,)))
                return found
        return self.shared_names(frozenset(mapping))

    cdef frozenset shared_names(self, frozenset names):
        """Return the one shared frozenset equal to *names*."""
        found = self.name_sets.get(names)
        if found is None:
            found = self.name_sets[names] = names
        return found

    cdef object resolve(
        self, int node, tuple requests, tuple usefixtures, frozenset shadow, frozenset indirect
    ):
        """Resolve one closure from the node's memoised subtrees, or by the exact walk on an error."""
        cdef _View view = self.view(node, shadow)
        cdef dict top = {}
        cdef list parts = []
        cdef int r
        for names in (self.autouse_at_node(node), usefixtures, requests):
            for name in names:
                if name in top:
                    continue
                meant = view.meaning(self, name)
                if meant is None:
                    return self.resolve_exact(node, requests, usefixtures, shadow, indirect)
                top[name] = meant
                r = meant
                if r >= 0:
                    part = view.subtree(self, r)
                    if part is None:
                        return self.resolve_exact(node, requests, usefixtures, shadow, indirect)
                    parts.append(part)
        self.merge(parts, -1, self.merged)
        return self.closure_info(node, shadow, self.merged, view, None, top, requests, indirect)

    cdef object resolve_exact(
        self, int node, tuple requests, tuple usefixtures, frozenset shadow, frozenset indirect
    ):
        """Resolve one closure by the Python twin's walk; return its first error, if any."""
        cdef _Walk walk = _Walk(self, node, shadow)
        cdef dict top = {}
        cdef int r
        for names in (self.autouse_at_node(node), usefixtures, requests):
            for name in names:
                if name in top:
                    continue
                found = self.meaning(node, shadow, name, -1)
                if found is None:
                    return self.unknown(node, name, None)
                top[name] = found
                r = found
                if r >= 0:
                    err = walk.visit(r)
                    if err is not None:
                        return err
        self.merged.size = 0
        for r in walk.postorder:
            self.merged.push(r)
        return self.closure_info(node, shadow, self.merged, None, walk.deps_of, top, requests, indirect)

    cdef _ClosureInfo closure_info(
        self,
        int node,
        frozenset shadow,
        _IntVec postorder,
        _View view,
        dict walked,
        dict top,
        tuple requests,
        frozenset indirect,
    ):
        """Order a resolved closure, build its ``Closure`` and the C columns the later passes read.

        What each fixture requests comes from *view*, or from the exact walk's *walked*.
        """
        cdef int* position = self.position_of.data
        cdef int* f_scope = self.f_scope.data
        cdef int* f_params = self.f_params.data
        cdef int n = <int>postorder.size
        cdef int n_args = 0
        cdef int n_params = 0
        cdef int i, j, m, d, r, a, pos, flags, kind
        cdef int* order
        cdef list deps_at = [None] * n
        cdef tuple args = PyTuple_New(n)
        cdef tuple arg_pairs, test_args
        cdef object pair
        cdef _ClosureInfo info = _ClosureInfo.__new__(_ClosureInfo)
        fixtures = self.fixtures
        self.order_by_scope(postorder)
        order = self.order.data
        indirect_defs = self.indirect_defs(node, shadow, indirect, postorder)
        for j in range(n):
            d = order[j]
            deps = view.deps_of(self, d) if walked is None else walked[d]
            deps_at[j] = deps
            n_args += len(deps)
            if f_params[d] >= 0 or (indirect_defs is not None and d in indirect_defs):
                n_params += 1

        info.allocate(n, n_args, n_params)
        info.index = len(self.closure_infos)
        info.n_scoped = 0
        info.n_own = 0
        a = 0
        n_params = 0
        for j in range(n):
            d = order[j]
            info.defs[j] = d
            info.scopes[j] = f_scope[d]
            if f_scope[d] != _FUNCTION:
                info.n_scoped = j + 1
            flags = _IS_ASYNC | _BACKEND_DEP if self.f_async.data[d] else 0
            info.arg_start[j] = a
            arg_pairs = self.arg_pairs(d, deps_at[j], position, info.arg_pos + a)
            Py_INCREF(arg_pairs)
            PyTuple_SET_ITEM(args, j, arg_pairs)
            m = len(arg_pairs)
            for i in range(a, a + m):
                pos = info.arg_pos[i]
                if pos >= 0 and info.flags[pos] & _BACKEND_DEP:
                    flags |= _BACKEND_DEP
                elif pos == _DIRECT:
                    flags |= _HAS_DIRECT
                elif pos == _REQUEST:
                    flags |= _TAKES_REQUEST
            a += m
            info.flags[j] = flags
            info.own_slot[j] = -1
            if indirect_defs is not None and d in indirect_defs:
                kind = _INDIRECT_PARAM
            elif f_params[d] >= 0:
                kind = _OWN_PARAM
            else:
                kind = _NO_PARAM
            info.kinds[j] = kind
            if kind != _NO_PARAM:
                info.param_pos[n_params] = j
                n_params += 1
            if self.f_pinned.data[d]:
                if info.pinned is None:
                    info.pinned = []
                info.pinned.append((j, fixtures[d].backend))
            if f_scope[d] != _FUNCTION:
                if kind == _INDIRECT_PARAM:
                    if info.indirect_scoped is None:
                        info.indirect_scoped = []
                    info.indirect_scoped.append(fixtures[d].name)
                if flags & _HAS_DIRECT:
                    info.direct_scoped = True
        info.arg_start[n] = a
        params = self.expansion_order(info, top, deps_at)
        test_args = PyTuple_New(len(requests))
        for j, name in enumerate(requests):
            r = top[name]
            pair = (name, r if r < 0 else position[r])
            Py_INCREF(pair)
            PyTuple_SET_ITEM(test_args, j, pair)
            if r == _REQUEST:
                info.test_takes_request = True
        info.top = top
        info.closure = _new_closure(_int_tuple(info.defs, n), args, test_args, params)
        self.closure_infos.append(info)
        return info

    cdef tuple arg_pairs(self, int d, tuple deps, const int* position, int* positions):
        """Return fixture *d*'s ``((name, closure position), ...)`` for its *deps* in this closure.

        The closure positions are written to *positions*, one per dependency.
        A fixture asks for the same names in every closure, so closures that
        place them alike share one tuple: on a large suite a few placements
        per fixture serve tens of thousands of closures.
        """
        cdef Py_ssize_t i
        cdef int n = <int>len(deps)
        cdef int r, found
        cdef int* key
        if n == 0:
            return ()
        self.arg_key.reserve(n + 1)
        key = self.arg_key.data
        key[0] = d
        for i in range(n):
            r = (<tuple>deps[i])[1]
            positions[i] = key[i + 1] = r if r < 0 else position[r]
        found = self.arg_keys.get(key, n + 1)
        if found >= 0:
            return <tuple>self.shared_args[found]
        pairs = _arg_pairs(deps, positions)
        self.arg_keys.put(key, n + 1, <int>len(self.shared_args))
        self.shared_args.append(pairs)
        return pairs

    cdef int order_by_scope(self, _IntVec postorder) except -1:
        """Put *postorder* in ``order``, wider scopes first, stably, and note each fixture's position.

        A dependency never has a narrower scope than what requests it, so the
        order stays topological.
        """
        cdef int* f_scope = self.f_scope.data
        cdef int[5] at_scope
        cdef int scope, d, j
        cdef int placed = 0
        cdef Py_ssize_t i
        for scope in range(_N_SCOPES):
            at_scope[scope] = 0
        for i in range(postorder.size):
            at_scope[f_scope[postorder.data[i]]] += 1
        for scope in range(_SESSION, _FUNCTION - 1, -1):
            at_scope[scope], placed = placed, placed + at_scope[scope]
        self.order.fill(postorder.size, 0)
        for i in range(postorder.size):
            d = postorder.data[i]
            j = at_scope[f_scope[d]]
            at_scope[f_scope[d]] += 1
            self.order.data[j] = d
            self.position_of.data[d] = j
        return 0

    cdef set indirect_defs(self, int node, frozenset shadow, frozenset indirect, _IntVec postorder):
        """Return the fixtures of the closure that take an indirect param, or ``None`` if none do.

        An indirect param goes to the nearest definition of its name, whether
        the test requests that fixture itself or reaches it through others,
        as in pytest.
        """
        cdef set found
        cdef Py_ssize_t i
        if not indirect:
            return None
        found = set()
        in_closure = {postorder.data[i] for i in range(postorder.size)}
        for name in indirect:
            meant = self.meaning(node, shadow, name, -1)
            if meant is not None and meant in in_closure:
                found.add(meant)
        return found or None

    cdef tuple expansion_order(self, _ClosureInfo info, dict top, list deps_at):
        """Order the closure's param positions as pytest expands them; fill the own-param columns.

        The fixtures' own params come before indirect ones, wider scopes
        first, then pytest's closure order.
        """
        cdef int slot, j, d
        if info.n_params == 0:
            return ()
        fixtures = self.fixtures
        params = [info.param_pos[slot] for slot in range(info.n_params)]
        if info.n_params > 1:
            defs = [info.defs[j] for j in range(info.n)]
            rank = self.closure_order(top, defs, deps_at)
            params.sort(
                key=lambda j: (info.kinds[j] == _INDIRECT_PARAM, -info.scopes[j], rank[fixtures[defs[j]].name])
            )
        for slot in range(info.n_params):
            j = params[slot]
            info.param_pos[slot] = j
            if info.kinds[j] == _OWN_PARAM:
                d = info.defs[j]
                info.own_slot[j] = info.n_own
                info.own_pos[info.n_own] = j
                info.own_size[info.n_own] = self.f_params.data[d]
                if info.own_ids is None:
                    info.own_ids = []
                ids = self.param_ids[d]
                if ids is None:
                    ids = self.param_ids[d] = fixtures[d].param_ids
                info.own_ids.append(ids)
                info.n_own += 1
        return tuple(params)

    cdef dict closure_order(self, dict top, list order, list deps_at):
        """Return the rank of each fixture name in pytest's closure order.

        pytest lists the names the test asks for first (autouse, usefixtures,
        arguments), then each name the first time a depth-first walk reaches a
        fixture of that name.
        """
        cdef dict rank = dict.fromkeys(top)
        cdef dict deps_of = {order[j]: deps_at[j] for j in range(len(order))}
        cdef set reached = set()
        cdef list stack
        for i, name in enumerate(top):
            rank[name] = i
        fixtures = self.fixtures
        for root in top.values():
            if root < 0 or root in reached:
                continue
            # Depth first, each fixture's requests in order, as the walk reaches them.
            stack = [root]
            while stack:
                d = stack.pop()
                if d in reached:
                    continue
                reached.add(d)
                rank.setdefault(fixtures[d].name, len(rank))
                for _name, r in reversed(deps_of[d]):
                    if r >= 0 and r not in reached:
                        stack.append(r)
        return rank

    # -- the whole plan ----------------------------------------------------

    cdef object run(self):
        """Run the five passes and return the plan."""
        cdef Py_ssize_t t
        for t in range(len(self.tests)):
            test = self.tests[t]
            xfail = _field(test, _T_XFAIL, "xfail")
            if _field(test, _T_SKIP, "skip") is not None or (xfail is not None and not xfail.run):
                # Nothing is set up for a test that will not run; it is reported from its CALL step.
                self.add_raw_item(t, None, test.id, None)
                continue
            found = self.closure_of(t, test)
            if not isinstance(found, _ClosureInfo):
                self.add_raw_item(t, None, test.id, found)
                continue
            self.add_items(t, test, <_ClosureInfo>found)
        self.assign_loops()
        return self.emit(self.reorder())

    cdef int add_raw_item(self, Py_ssize_t t, info, item_id, error) except -1:
        """Close the raw item whose instances were pushed last; an item without info keeps none."""
        if info is None:
            self.r_inst.size = self.r_inst_start.data[self.r_inst_start.size - 1]
        self.r_test.push(<int>t)
        self.r_closure.push(-1 if info is None else (<_ClosureInfo>info).index)
        self.r_id.append(item_id)
        self.r_error.append(error)
        self.r_inst_start.push(<int>self.r_inst.size)
        return 0

    # -- pass 2: items and instances ----------------------------------------

    cdef int add_items(self, Py_ssize_t t, test, _ClosureInfo info) except -1:
        """Expand *test* over its closure's own params; give every item its instances."""
        cdef Py_ssize_t combos = 1
        cdef Py_ssize_t combo, rest
        cdef int i, j, mismatch, node
        cdef int* choice
        backend = self.t_backend[t]
        for i in range(info.n_own):
            if info.own_size[i] == 0:
                # pytest skips such a test ('got empty parameter set') rather than dropping it.
                fx = self.fixtures[info.defs[info.own_pos[i]]]
                self.add_raw_item(t, None, test.id, messages.empty_params(fx))
                return 0
            combos *= info.own_size[i]
        self.choice.fill(info.n_own, 0)
        choice = self.choice.data
        mismatch = info.mismatch(backend)
        node = self.t_node.data[t]
        test_id = _field(test, _T_ID, "id")
        for combo in range(combos):
            # Combinations in itertools.product order: the last parametrized position varies fastest.
            rest = combo
            for i in range(info.n_own - 1, -1, -1):
                choice[i] = rest % info.own_size[i]
                rest //= info.own_size[i]
            if info.n_own:
                suffix = "-".join([info.own_ids[i][choice[i]] for i in range(info.n_own)])
                item_id = _with_params(test_id, suffix)
            else:
                item_id = test_id
            if mismatch >= 0:
                # The instances before the pinned fixture are made (and may be shared later), as in
                # the Python twin; the item itself keeps none.
                for j in range(mismatch):
                    self.add_instance(info, j, t, test, node, backend, choice)
                fx = self.fixtures[info.defs[mismatch]]
                self.add_raw_item(t, None, item_id, messages.backend_mismatch(item_id, backend, fx))
                continue
            self.add_item_instances(info, t, test, node, backend, combo, combos, choice)
            self.add_raw_item(t, info, item_id, None)
        return 0

    cdef int add_item_instances(
        self,
        _ClosureInfo info,
        Py_ssize_t t,
        test,
        int node,
        backend,
        Py_ssize_t combo,
        Py_ssize_t combos,
        int* choice,
    ) except -1:
        """Give one item its instances, the scoped prefix from the context table when it has it.

        A closure's scoped instances depend only on the context (node,
        backend, param combination, indirect params, and the test itself when
        a scoped fixture takes a direct argument), and instance keys are never
        reassigned, so a context seen before resolves to the same instances.
        """
        cdef Py_ssize_t base = self.r_inst.size
        cdef int offset, j
        cdef int length = 0
        cdef _IntVec context = self.context
        if info.n_scoped:
            length = 5 + (0 if info.indirect_scoped is None else len(info.indirect_scoped))
            context.reserve(length)
            context.data[0] = info.index
            context.data[1] = node
            context.data[2] = self.t_backend_id.data[t]
            context.data[3] = <int>combo
            context.data[4] = <int>t if info.direct_scoped else -1
            if info.indirect_scoped is not None:
                for j, name in enumerate(info.indirect_scoped):
                    context.data[5 + j] = self.indirect_id(test.indirect[name][0])
            offset = self.contexts.get(context.data, length)
            if offset >= 0:
                self.r_inst.reserve(base + info.n_scoped)
                memcpy(self.r_inst.data + base, self.prefixes.data + offset, info.n_scoped * sizeof(int))
                self.r_inst.size = base + info.n_scoped
                self.add_function_instances(info, choice)
                return 0
        for j in range(info.n_scoped):
            self.add_instance(info, j, t, test, node, backend, choice)
        self.add_function_instances(info, choice)
        if info.n_scoped:
            # add_instance leaves the context buffer alone, so it still holds this item's context.
            self.contexts.put(context.data, length, <int>self.prefixes.size)
            for j in range(info.n_scoped):
                self.prefixes.push(self.r_inst.data[base + j])
        return 0

    cdef int indirect_id(self, value):
        """Return a small int standing for the indirect param key *value* (equal keys, equal ints)."""
        found = self.indirect_ids.get(value)
        if found is None:
            found = self.indirect_ids[value] = len(self.indirect_ids)
        return found

    cdef int add_instance(
        self, _ClosureInfo info, int j, Py_ssize_t t, test, int node, backend, int* choice
    ) except -1:
        """Push the instance at closure position *j* of the item being built: shared by key, or new."""
        cdef int base = self.r_inst_start.data[self.r_inst_start.size - 1]
        cdef int d = info.defs[j]
        cdef int scope = info.scopes[j]
        cdef int kind = info.kinds[j]
        cdef int slot = info.own_slot[j]
        cdef int param = choice[slot] if slot >= 0 else -1
        cdef int first = info.arg_start[j]
        cdef int last = info.arg_start[j + 1]
        cdef int a, pos, k, length
        cdef int scope_node = -1
        cdef int* key
        if scope != _FUNCTION:
            # The Python twin's key (fixture, scope node, param, indirect param, backend, test,
            # instances requested), with the indirect param and backend as small ints.
            scope_node = self.scope_node(node, scope)
            length = 6 + last - first
            self.key.reserve(length)
            key = self.key.data
            key[0] = d
            key[1] = scope_node
            key[2] = param
            key[3] = self.indirect_id(test.indirect[self.fixtures[d].name][0]) if kind == _INDIRECT_PARAM else -1
            key[4] = self.t_backend_id.data[t] if info.flags[j] & _BACKEND_DEP else -1
            key[5] = <int>t if info.flags[j] & _HAS_DIRECT else -1
            for a in range(first, last):
                pos = info.arg_pos[a]
                key[6 + a - first] = pos if pos < 0 else self.r_inst.data[base + pos]
            k = self.instance_keys.get(key, length)
            if k >= 0:
                self.r_inst.push(k)
                return 0
            self.instance_keys.put(key, length, <int>self.k_def.size)
        return self.new_instance(info, j, d, scope, scope_node, kind, param, base)

    cdef int add_function_instances(self, _ClosureInfo info, const int* choice) except -1:
        """Make the instances of the item being built for its function-scoped positions.

        These are the positions from ``n_scoped`` on, and each gets a new
        instance, as a function-scoped instance is never shared: the columns
        grow once for all of them, and the instances are written in place.
        """
        cdef int first = info.n_scoped
        cdef int count = info.n - first
        cdef int base = self.r_inst_start.data[self.r_inst_start.size - 1]
        cdef int k = <int>self.k_def.size
        cdef Py_ssize_t at = self.r_inst.size
        cdef Py_ssize_t dep = self.k_deps.size
        cdef int j, a, pos, slot
        cdef int* inst
        if count <= 0:
            return 0
        self.k_def.reserve(k + count)
        self.k_scope.reserve(k + count)
        self.k_node.reserve(k + count)
        self.k_async.reserve(k + count)
        self.k_param.reserve(k + count)
        self.k_param_kind.reserve(k + count)
        self.k_dep_start.reserve(k + count + 1)
        self.k_deps.reserve(dep + info.arg_start[info.n] - info.arg_start[first])
        self.r_inst.reserve(at + count)
        inst = self.r_inst.data
        for j in range(first, info.n):
            self.k_def.data[k] = info.defs[j]
            self.k_scope.data[k] = info.scopes[j]
            self.k_node.data[k] = -1
            self.k_async.data[k] = info.flags[j] & _IS_ASYNC
            slot = info.own_slot[j]
            self.k_param.data[k] = choice[slot] if slot >= 0 else -1
            self.k_param_kind.data[k] = info.kinds[j]
            for a in range(info.arg_start[j], info.arg_start[j + 1]):
                pos = info.arg_pos[a]
                if pos >= 0:
                    self.k_deps.data[dep] = inst[base + pos]
                    dep += 1
            self.k_dep_start.data[k + 1] = <int>dep
            inst[at] = k
            at += 1
            k += 1
        self.k_def.size = k
        self.k_scope.size = k
        self.k_node.size = k
        self.k_async.size = k
        self.k_param.size = k
        self.k_param_kind.size = k
        self.k_dep_start.size = k + 1
        self.k_deps.size = dep
        self.r_inst.size = at
        return 0

    cdef int new_instance(
        self, _ClosureInfo info, int j, int d, int scope, int scope_node, int kind, int param, int base
    ) except -1:
        """Make a new raw instance for closure position *j* and push it on the item being built."""
        cdef int a, pos
        cdef int k = <int>self.k_def.size
        self.k_def.push(d)
        self.k_scope.push(scope)
        self.k_node.push(scope_node)
        self.k_async.push(info.flags[j] & _IS_ASYNC)
        self.k_param.push(param)
        self.k_param_kind.push(kind)
        for a in range(info.arg_start[j], info.arg_start[j + 1]):
            pos = info.arg_pos[a]
            if pos >= 0:
                self.k_deps.push(self.r_inst.data[base + pos])
        self.k_dep_start.push(<int>self.k_deps.size)
        self.r_inst.push(k)
        return 0

    # -- pass 3: loops -----------------------------------------------------

    cdef int assign_loops(self) except -1:
        """Give each raw item its loop key (``loop_key``); record loop-scope errors."""
        cdef Py_ssize_t n_raw = self.r_test.size
        cdef Py_ssize_t n_k = self.k_def.size
        cdef _IntVec parent
        cdef _IntVec uses_loop = _IntVec()
        cdef _IntVec width = _IntVec()
        cdef int* par
        cdef int* wid
        cdef int* start = self.r_inst_start.data
        cdef int* inst = self.r_inst.data
        cdef int* k_async = self.k_async.data
        cdef int* k_scope = self.k_scope.data
        cdef int* k_def = self.k_def.data
        cdef int* r_test = self.r_test.data
        cdef int* t_loop = self.t_loop_scope.data
        cdef int* f_loop = self.f_loop_scope.data
        cdef Py_ssize_t r, i
        cdef int k, t, a, b, w, need, explicit, cause, node, narrowest
        cdef bint has_async
        cdef int* r_closure = self.r_closure.data
        cdef _IntVec alone = _filled(n_raw, -1)
        cdef _IntVec tightest = _IntVec()
        cdef _IntVec async_user = _filled(n_raw, 0)
        cdef _KeyTable key_ids = _KeyTable()
        cdef int[3] shared
        cdef int found
        # What no round changes: the loop scope each item needs by itself (-1 if it uses no loop),
        # the narrowest loop scope its async fixtures set, and whether it has async instances.
        tightest.fill(n_raw, _N_SCOPES)
        for r in range(n_raw):
            if r_closure[r] < 0:
                continue
            has_async = False
            w = max(t_loop[r_test[r]], _FUNCTION)
            narrowest = _N_SCOPES
            for i in range(start[r], start[r + 1]):
                k = inst[i]
                if k_async[k]:
                    has_async = True
                    w = max(w, k_scope[k], f_loop[k_def[k]])
                    if 0 <= f_loop[k_def[k]] < narrowest:
                        narrowest = f_loop[k_def[k]]
            if has_async or self.t_async.data[r_test[r]]:
                alone.data[r] = w
                tightest.data[r] = narrowest
                async_user.data[r] = has_async
        while True:
            parent = _counting(n_raw + n_k)
            par = parent.data
            uses_loop.fill(n_raw, 0)
            for r in range(n_raw):
                if r_closure[r] < 0 or alone.data[r] < 0:
                    continue
                uses_loop.data[r] = 1
                if not async_user.data[r]:
                    continue
                for i in range(start[r], start[r + 1]):
                    k = inst[i]
                    if k_async[k]:
                        a = _find(par, <int>r)
                        b = _find(par, <int>(n_raw + k))
                        if a != b:
                            # Union towards the smaller root keeps the result independent of order.
                            if a < b:
                                par[b] = a
                            else:
                                par[a] = b
            width.fill(n_raw + n_k, _FUNCTION)
            wid = width.data
            for r in range(n_raw):
                if uses_loop.data[r]:
                    a = _find(par, <int>r)
                    if alone.data[r] > wid[a]:
                        wid[a] = alone.data[r]
            # Errors are recorded after the round, so every explanation sees the groups as built.
            failed = []
            self.async_users = None
            for r in range(n_raw):
                if not uses_loop.data[r]:
                    continue
                need = wid[_find(par, <int>r)]
                t = r_test[r]
                explicit = t_loop[t]
                error = None
                if 0 <= explicit < need:
                    error = self.loop_error(r, need)
                elif tightest.data[r] < need:
                    for i in range(start[r], start[r + 1]):
                        k = inst[i]
                        if k_async[k] and 0 <= f_loop[k_def[k]] < need:
                            # Show the path to what needs the wide loop; without such a fixture
                            # (the test's own loop scope or sharing widened it), the path to k.
                            cause = self.widening_instance(r, need)
                            error = messages.loop_scope_fixture_conflict(
                                self.fixtures[k_def[k]],
                                _SCOPES[need],
                                self.path_to(self.info_of(r), t, k_def[cause if cause >= 0 else k]),
                            )
                            break
                if error is not None:
                    failed.append((r, error))
            for r, error in failed:
                self.r_error[r] = error
                r_closure[r] = -1
            if failed:
                # Plan again without the failed items, so they do not widen anyone else's loop.
                continue
            self.loop_key.fill(n_raw, _KEY_NONE)
            for r in range(n_raw):
                if not uses_loop.data[r]:
                    continue
                need = wid[_find(par, <int>r)]
                if need == _FUNCTION:
                    self.loop_key.data[r] = _KEY_OWN
                    continue
                t = r_test[r]
                node = self.scope_node(self.t_node.data[t], need)
                shared[0] = self.t_backend_id.data[t]
                shared[1] = need
                shared[2] = node
                found = key_ids.get(shared, 3)
                if found < 0:
                    found = <int>len(self.shared_keys)
                    key_ids.put(shared, 3, found)
                    self.shared_keys.append((self.t_backend[t], need, node))
                self.loop_key.data[r] = found
            return 0

    cdef int widening_instance(self, Py_ssize_t r, int need):
        """Return item *r*'s first async instance whose scope or loop scope reaches *need*, or -1."""
        cdef Py_ssize_t i
        cdef int k
        for i in range(self.r_inst_start.data[r], self.r_inst_start.data[r + 1]):
            k = self.r_inst.data[i]
            if self.k_async.data[k] and (
                self.k_scope.data[k] >= need or self.f_loop_scope.data[self.k_def.data[k]] >= need
            ):
                return k
        return -1

    cdef object info_of(self, Py_ssize_t r):
        """Return the ``_ClosureInfo`` of raw item *r*, or ``None`` if it runs none."""
        cdef int closure = self.r_closure.data[r]
        return None if closure < 0 else self.closure_infos[closure]

    cdef object label(self, Py_ssize_t r):
        """Return the short name of item *r*'s test, as paths in messages show it."""
        return self.tests[self.r_test.data[r]].id.rsplit("::", 1)[-1]

    cdef list path_to(self, info, int t, int target):
        """Return ``[test, fixture (scope), ..., target (scope, async)]`` through the closure."""
        fixtures = self.fixtures
        test = self.tests[t]
        label = test.id.rsplit("::", 1)[-1]
        if info is None:
            return [label, messages.describe_fixture(fixtures[target])]
        closure = (<_ClosureInfo>info).closure
        goal = closure.defs.index(target)
        came = {}
        queue = deque()
        # The roots: what the test asks for itself, autouse and usefixtures included.
        for r in (<_ClosureInfo>info).top.values():
            if r < 0:
                continue
            s = closure.defs.index(r)
            if s not in came:
                came[s] = -1
                queue.append(s)
        while queue:
            j = queue.popleft()
            if j == goal:
                break
            for _name, pos in closure.args[j]:
                if pos >= 0 and pos not in came:
                    came[pos] = j
                    queue.append(pos)
        path = []
        j = goal
        while j >= 0:
            path.append(messages.describe_fixture(fixtures[closure.defs[j]]))
            j = came[j]
        path.append(label)
        path.reverse()
        return path

    cdef object loop_error(self, Py_ssize_t r, int need):
        """Explain why item *r*'s explicit loop scope is narrower than the *need* loop of its group."""
        cdef int* k_def = self.k_def.data
        cdef int cause
        cdef Py_ssize_t i
        test = self.tests[self.r_test.data[r]]
        cause = self.widening_instance(r, need)
        if cause >= 0:
            return messages.loop_scope_too_narrow(
                self.r_id[r],
                test.loop_scope,
                test.loop_scope_source,
                _SCOPES[need],
                self.path_to(self.info_of(r), self.r_test.data[r], k_def[cause]),
            )
        # The need comes from sharing, perhaps through a chain of shared instances: name the first
        # instance and its other user, then the chain up to the test that needs the wide loop.
        hops = self.sharing_chain(r, need)
        path = []
        for i in range(len(hops) - 1):
            path.append(self.label(hops[i][1]))
            path.append(messages.describe_fixture(self.fixtures[k_def[hops[i + 1][0]]]))
        path.extend(self.need_path(hops[-1][1], need))
        first_k, first_item = hops[0]
        return messages.loop_scope_shared(
            self.r_id[r],
            test.loop_scope,
            test.loop_scope_source,
            _SCOPES[need],
            messages.describe_fixture(self.fixtures[k_def[first_k]]),
            self.r_id[first_item],
            path,
        )

    cdef int alone_need(self, Py_ssize_t r):
        """Return the loop scope item *r* needs by itself: its explicit scope and its async fixtures."""
        cdef int need = self.t_loop_scope.data[self.r_test.data[r]]
        cdef Py_ssize_t i
        cdef int k
        if need < _FUNCTION:
            need = _FUNCTION
        for i in range(self.r_inst_start.data[r], self.r_inst_start.data[r + 1]):
            k = self.r_inst.data[i]
            if self.k_async.data[k]:
                need = max(need, self.k_scope.data[k], self.f_loop_scope.data[self.k_def.data[k]])
        return need

    cdef list need_path(self, Py_ssize_t r, int need):
        """Return the path that makes item *r* need the *need* loop by itself."""
        cdef int cause = self.widening_instance(r, need)
        if cause >= 0:
            return self.path_to(self.info_of(r), self.r_test.data[r], self.k_def.data[cause])
        return [self.label(r), f"loop_scope='{_SCOPES[need].label}'"]

    cdef list sharing_chain(self, Py_ssize_t r, int need):
        """Return ``(instance, item)`` hops from item *r* to the nearest item needing *need* alone.

        The walk goes breadth first through shared async instances, as the loop
        groups were made, so such an item always exists in *r*'s group.
        """
        cdef Py_ssize_t n_raw = self.r_test.size
        cdef _IntVec came_k, came_item, queue, users_start, users
        cdef Py_ssize_t head = 0
        cdef Py_ssize_t i, u
        cdef int item, k, other
        if self.async_users is None:
            self.async_users = self.users_of_async()
        users_start, users = self.async_users
        came_k = _filled(n_raw, -1)
        came_item = _filled(n_raw, -2)
        came_item.data[r] = -1
        queue = _IntVec()
        queue.push(<int>r)
        while head < queue.size:
            item = queue.data[head]
            head += 1
            if item != r and self.alone_need(item) >= need:
                hops = []
                while item != r:
                    hops.append((came_k.data[item], item))
                    item = came_item.data[item]
                hops.reverse()
                return hops
            for i in range(self.r_inst_start.data[item], self.r_inst_start.data[item + 1]):
                k = self.r_inst.data[i]
                for u in range(users_start.data[k], users_start.data[k + 1]):
                    other = users.data[u]
                    if came_item.data[other] == -2:
                        came_k.data[other] = k
                        came_item.data[other] = item
                        queue.push(other)
        raise AssertionError(f"no item in the loop group of {self.r_id[r]!r} needs the {_SCOPES[need].label} loop")

    cdef tuple users_of_async(self):
        """Return ``(start, users)``: the planned items using each async instance, in order."""
        cdef Py_ssize_t n_k = self.k_def.size
        cdef _IntVec start = _filled(n_k + 1, 0)
        cdef _IntVec users
        cdef _IntVec fill_at = _IntVec()
        cdef Py_ssize_t r, i
        cdef int k
        cdef int* usable = self.r_closure.data
        for r in range(self.r_test.size):
            if usable[r] >= 0:
                for i in range(self.r_inst_start.data[r], self.r_inst_start.data[r + 1]):
                    k = self.r_inst.data[i]
                    if self.k_async.data[k]:
                        start.data[k + 1] += 1
        for k in range(n_k):
            start.data[k + 1] += start.data[k]
        users = _filled(start.data[n_k], 0)
        fill_at.copy_from(start)
        for r in range(self.r_test.size):
            if usable[r] >= 0:
                for i in range(self.r_inst_start.data[r], self.r_inst_start.data[r + 1]):
                    k = self.r_inst.data[i]
                    if self.k_async.data[k]:
                        users.data[fill_at.data[k]] = <int>r
                        fill_at.data[k] += 1
        return start, users

    # -- pass 4: order -----------------------------------------------------

    cdef _IntVec reorder(self):
        """Return the raw items in execution order (pytest's ``reorder_items``)."""
        cdef Py_ssize_t n = self.r_test.size
        cdef Py_ssize_t r, i
        cdef int k, c, level
        cdef int[5] level_of
        cdef int* starts_at[4]
        cdef int[4] sizes
        cdef _IntVec starts
        cdef int* start = self.r_inst_start.data
        cdef int* inst = self.r_inst.data
        cdef int* k_scope = self.k_scope.data
        cdef int* r_closure = self.r_closure.data
        cdef list infos = self.closure_infos
        cdef list keys_start = []
        cdef list keys_flat = []
        cdef _ClosureInfo closure
        cdef bint any_keys = False
        for level in range(_N_SCOPES):
            level_of[level] = -1
        for level in range(_LEVELS):
            level_of[_HIGH_SCOPES[level]] = level
            starts = _filled(n + 1, 0)
            keys_start.append(starts)
            keys_flat.append(_IntVec())
            starts_at[level] = starts.data
            sizes[level] = 0
        for r in range(n):
            c = r_closure[r]
            if c >= 0:
                closure = <_ClosureInfo>infos[c]
                # An item's params in expansion order: the last is the one pytest slices by first.
                for i in range(closure.n_params):
                    k = inst[start[r] + closure.param_pos[i]]
                    level = level_of[k_scope[k]]
                    if level >= 0:
                        (<_IntVec>keys_flat[level]).push(k)
                        sizes[level] += 1
                        any_keys = True
            for level in range(_LEVELS):
                starts_at[level][r + 1] = sizes[level]
        if not any_keys:
            return _counting(n)
        return _Regrouping(keys_start, keys_flat, n, self.k_def.size).reorder_at(_counting(n), 0)

    # -- pass 5: steps -----------------------------------------------------

    cdef object emit(self, _IntVec order):
        """Build the plan: items, instances, loops and steps in execution order."""
        cdef Py_ssize_t n = order.size
        cdef Py_ssize_t n_k = self.k_def.size
        cdef Py_ssize_t p, i, s, n_inst, n_teardowns, n_steps, filled
        cdef int r, c, k, at, scope, here, nxt, lp, new, key, count, n_loops, next_new, busy
        cdef int* closure_of
        cdef int* rs = order.data
        cdef int* start = self.r_inst_start.data
        cdef int* inst = self.r_inst.data
        cdef int* k_scope = self.k_scope.data
        cdef int* k_kind = self.k_param_kind.data
        cdef int* k_async = self.k_async.data
        cdef int* dep_start = self.k_dep_start.data
        cdef int* deps = self.k_deps.data
        cdef int* r_test = self.r_test.data
        cdef int* r_closure = self.r_closure.data
        cdef list r_id = self.r_id
        cdef list infos = self.closure_infos
        cdef _IntVec last_use = _filled(n_k, -1)
        cdef _IntVec run_end = _filled(n * _N_SCOPES, 0)
        cdef _IntVec at_of = _filled(n_k, -1)
        cdef _IntVec new_id = _filled(n_k, -1)
        cdef _IntVec raw_of = _IntVec()
        cdef _IntVec bucket_start = _filled(n + 1, 0)
        cdef _IntVec bucket = _IntVec()
        cdef _IntVec fill_at = _IntVec()
        cdef _IntVec loop_of_key = _filled(len(self.shared_keys), -1)
        cdef _IntVec item_loop = _filled(n, _NO_LOOP)
        cdef _IntVec kinds = _IntVec()
        cdef _IntVec targets = _IntVec()
        cdef _IntVec loops = _IntVec()
        cdef _IntVec first, last, steps_on, busy_at_first, busy_at_last
        cdef _IntVec takes_request = _IntVec()
        cdef _ClosureInfo closure
        cdef array item_test, item_closure, item_start, item_instances
        cdef array inst_fixture, inst_scope_node, inst_item, inst_pos, inst_loop, inst_param
        cdef array step_kind, step_target, step_loop
        cdef list raw_loop_specs = []
        cdef dict errors = {}

        # Last user of each instance, and the instances numbered in order of first use, which is
        # their setup order.
        filled = 0
        for p in range(n):
            r = rs[p]
            if r_closure[r] >= 0:
                filled += start[r + 1] - start[r]
                for i in range(start[r], start[r + 1]):
                    k = inst[i]
                    last_use.data[k] = <int>p
                    if new_id.data[k] < 0:
                        new_id.data[k] = <int>raw_of.size
                        raw_of.push(k)
        n_inst = raw_of.size
        # How far the run of each item's scope instance extends.
        for scope in range(_CLASS, _PACKAGE + 1):
            nxt = -2
            for p in range(n - 1, -1, -1):
                here = self.scope_node(self.t_node.data[r_test[rs[p]]], scope)
                run_end.data[p * _N_SCOPES + scope] = (
                    run_end.data[(p + 1) * _N_SCOPES + scope] if here == nxt else <int>p
                )
                nxt = here
        # A scoped instance lives to the end of its scope instance's run; a parametrized one only
        # to its last user, so two params of one fixture are not alive at once (as in pytest).
        # No instance outlives one it depends on; raw instances come after their dependencies.
        for k in range(n_k):
            if last_use.data[k] < 0:
                continue
            scope = k_scope[k]
            if scope == _FUNCTION or k_kind[k] != _NO_PARAM:
                at = last_use.data[k]
            elif scope == _SESSION:
                at = <int>n - 1
            else:
                at = run_end.data[last_use.data[k] * _N_SCOPES + scope]
            for i in range(dep_start[k], dep_start[k + 1]):
                if at_of.data[deps[i]] < at:
                    at = at_of.data[deps[i]]
            at_of.data[k] = at
            bucket_start.data[at + 1] += 1
        for p in range(n):
            bucket_start.data[p + 1] += bucket_start.data[p]
        n_teardowns = bucket_start.data[n]
        # Each position tears down in reverse setup order: filling the buckets from the newest
        # instance down keeps every bucket in that order.
        bucket.fill(n_teardowns, 0)
        fill_at.copy_from(bucket_start)
        for new in range(<int>n_inst - 1, -1, -1):
            k = raw_of.data[new]
            bucket.data[fill_at.data[at_of.data[k]]] = k
            fill_at.data[at_of.data[k]] += 1

        item_test = clone(_INT_ARRAY, n, False)
        item_closure = clone(_INT_ARRAY, n, False)
        item_start = clone(_INT_ARRAY, n + 1, False)
        item_instances = clone(_INT_ARRAY, filled, False)
        inst_fixture = clone(_INT_ARRAY, n_inst, False)
        inst_scope_node = clone(_INT_ARRAY, n_inst, False)
        inst_item = clone(_INT_ARRAY, n_inst, False)
        inst_pos = clone(_INT_ARRAY, n_inst, False)
        inst_loop = clone(_INT_ARRAY, n_inst, False)
        inst_param = clone(_INT_ARRAY, n_inst, False)
        # Every item is one CALL or PLAN_ERROR step, every instance one SETUP and one TEARDOWN.
        n_steps = n + n_inst + n_teardowns
        kinds.reserve(n_steps)
        targets.reserve(n_steps)
        loops.reserve(n_steps)
        item_start.data.as_ints[0] = 0
        filled = 0
        next_new = 0
        # Loops are numbered in order of first use.
        for p in range(n):
            r = rs[p]
            key = self.loop_key.data[r]
            lp = _NO_LOOP
            if key != _KEY_NONE and r_closure[r] >= 0:
                if key == _KEY_OWN:
                    lp = len(raw_loop_specs)
                    raw_loop_specs.append((self.t_backend[r_test[r]], _FUNCTION, -1, p))
                    takes_request.push(0)
                else:
                    lp = loop_of_key.data[key]
                    if lp < 0:
                        lp = loop_of_key.data[key] = len(raw_loop_specs)
                        backend, scope, node = self.shared_keys[key]
                        raw_loop_specs.append((backend, scope, node, -1))
                        takes_request.push(0)
            item_loop.data[p] = lp
            item_test.data.as_ints[p] = r_test[r]
            c = r_closure[r]
            item_closure.data.as_ints[p] = c
            error = None if c >= 0 else self.r_error[r]
            if error is not None:
                errors[p] = error
                _step(kinds, targets, loops, _PLAN_ERROR, <int>p, _NO_LOOP)
            else:
                # Only loop users read their closure's flags here.
                closure = <_ClosureInfo>infos[c] if lp >= 0 else None
                for i in range(start[r], start[r + 1]):
                    k = inst[i]
                    new = new_id.data[k]
                    if new == next_new:
                        next_new += 1
                        inst_fixture.data.as_ints[new] = self.k_def.data[k]
                        inst_scope_node.data.as_ints[new] = self.k_node.data[k]
                        inst_item.data.as_ints[new] = <int>p
                        inst_pos.data.as_ints[new] = <int>(i - start[r])
                        inst_param.data.as_ints[new] = self.k_param.data[k]
                        inst_loop.data.as_ints[new] = lp if k_async[k] else _NO_LOOP
                        if k_async[k] and lp >= 0 and closure.flags[i - start[r]] & _TAKES_REQUEST:
                            takes_request.data[lp] = 1
                        _step(kinds, targets, loops, _SETUP, new, inst_loop.data.as_ints[new])
                    item_instances.data.as_ints[filled] = new
                    filled += 1
                _step(kinds, targets, loops, _CALL, <int>p, lp if self.t_async.data[r_test[r]] else _NO_LOOP)
                if self.t_async.data[r_test[r]] and lp >= 0 and closure is not None and closure.test_takes_request:
                    takes_request.data[lp] = 1
            item_start.data.as_ints[p + 1] = <int>filled
            for i in range(bucket_start.data[p], bucket_start.data[p + 1]):
                new = new_id.data[bucket.data[i]]
                _step(kinds, targets, loops, _TEARDOWN, new, inst_loop.data.as_ints[new])

        # Open each loop before its first step and close it after its last. A loop is inline when
        # no step that runs user code comes between its first and last step: the steps that report
        # a test that will not run (skipped, or failed at plan time) run none, so they do not count.
        n_loops = len(raw_loop_specs)
        first = _filled(n_loops, -1)
        last = _filled(n_loops, -1)
        steps_on = _filled(n_loops, 0)
        busy_at_first = _filled(n_loops, 0)
        busy_at_last = _filled(n_loops, 0)
        busy = 0
        closure_of = item_closure.data.as_ints
        for s in range(kinds.size):
            lp = loops.data[s]
            if lp >= 0:
                if first.data[lp] < 0:
                    first.data[lp] = <int>s
                    busy_at_first.data[lp] = busy
                last.data[lp] = <int>s
                busy_at_last.data[lp] = busy
                steps_on.data[lp] += 1
            if not _reports_only(kinds.data[s], targets.data[s], closure_of):
                busy += 1
        specs = []
        count = 0
        for lp in range(n_loops):
            backend, scope, node, item = raw_loop_specs[lp]
            # A trio run blocks trio.run() on its thread while it is alive, so a trio loop whose
            # users take `request` (and may add sync finalizers) is hosted on a thread of its own.
            inline = (
                steps_on.data[lp] == busy_at_last.data[lp] - busy_at_first.data[lp] + 1
                and not (backend == "trio" and takes_request.data[lp])
            )
            specs.append(_new_loop(backend, _SCOPES[scope], node, item, inline, steps_on.data[lp]))
            if first.data[lp] >= 0:
                count += 2
        step_kind = clone(_BYTE_ARRAY, kinds.size + count, False)
        step_target = clone(_INT_ARRAY, kinds.size + count, False)
        step_loop = clone(_INT_ARRAY, kinds.size + count, False)
        _write_steps(kinds, targets, loops, first, last, step_kind, step_target, step_loop)

        plan = Plan(self.nodes, self.fixtures, self.tests)
        plan.closures = [(<_ClosureInfo>info).closure for info in self.closure_infos]
        plan.item_test = item_test
        plan.item_closure = item_closure
        plan.item_loop = item_loop.to_array()
        plan.item_start = item_start
        plan.item_instances = item_instances
        plan.item_ids = [r_id[rs[p]] for p in range(n)]
        plan.errors = errors
        plan.inst_fixture = inst_fixture
        plan.inst_scope_node = inst_scope_node
        plan.inst_item = inst_item
        plan.inst_pos = inst_pos
        plan.inst_loop = inst_loop
        plan.inst_param = inst_param
        plan.loops = specs
        plan.step_kind = step_kind
        plan.step_target = step_target
        plan.step_loop = step_loop
        return plan


@cython.final
cdef class _Regrouping:
    """pytest's ``reorder_items`` on integer items and keys (the items' parametrized scoped instances).

    Per level (session, package, module, class) ``keys_start``/``keys_flat``
    give each item's keys of that scope in expansion order. Every (item, key)
    entry is also a link, numbered ``level_base[level]`` plus its index, in the
    linked list of its key's users (``users_head``, ``link_next``,
    ``link_prev``), so moving an item to the front of a key's users is O(1).
    The Python twin's per-call sets are stamps in arrays owned by the level,
    since calls at one level never nest.
    """

    cdef list keys_start
    cdef list keys_flat
    cdef _IntVec level_base
    cdef _IntVec link_item
    cdef _IntVec link_key
    cdef _IntVec link_next
    cdef _IntVec link_prev
    cdef _IntVec users_head
    cdef list present
    cdef list done
    cdef list no_key
    cdef list ignore
    cdef int stamp

    def __cinit__(self, list keys_start, list keys_flat, Py_ssize_t n_items, Py_ssize_t n_keys):
        cdef _IntVec starts, flat
        cdef _IntVec tail = _filled(n_keys, -1)
        cdef Py_ssize_t r, i
        cdef int level, k, link, tail_link
        self.keys_start = keys_start
        self.keys_flat = keys_flat
        self.level_base = _IntVec()
        self.link_item = _IntVec()
        self.link_key = _IntVec()
        self.link_next = _IntVec()
        self.link_prev = _IntVec()
        self.users_head = _filled(n_keys, -1)
        # Link every (item, key) entry into its key's list of users, items in order.
        for level in range(_LEVELS):
            starts = keys_start[level]
            flat = keys_flat[level]
            self.level_base.push(<int>self.link_item.size)
            for r in range(n_items):
                for i in range(starts.data[r], starts.data[r + 1]):
                    k = flat.data[i]
                    link = <int>self.link_item.size
                    tail_link = tail.data[k]
                    self.link_item.push(<int>r)
                    self.link_key.push(k)
                    self.link_next.push(-1)
                    self.link_prev.push(tail_link)
                    if tail_link < 0:
                        self.users_head.data[k] = link
                    else:
                        self.link_next.data[tail_link] = link
                    tail.data[k] = link
        self.present = [_filled(n_items, 0) for _ in range(_LEVELS)]
        self.done = [_filled(n_items, 0) for _ in range(_LEVELS)]
        self.no_key = [_filled(n_items, 0) for _ in range(_LEVELS)]
        self.ignore = [_filled(n_keys, 0) for _ in range(_LEVELS)]
        self.stamp = 0

    cdef _IntVec reorder_at(self, _IntVec items, int level):
        """pytest's ``reorder_items_atscope``: group items sharing a parametrized instance at this scope.

        The Python twin's deque is a stack of segments of ``queue``:
        ``appendleft`` of a run of users pushes a segment, ``popleft`` reads
        the top one.
        """
        cdef _IntVec out, queue, seg_next, seg_end, no_key_items, sub
        cdef _IntVec keys_start, keys_flat
        cdef int* present
        cdef int* done
        cdef int* no_key
        cdef int* ignore
        cdef int call, batch, item, slicing, k, other, top, link
        cdef Py_ssize_t i, first
        if level >= _LEVELS or items.size < 3:
            return items
        keys_start = self.keys_start[level]
        keys_flat = self.keys_flat[level]
        present = (<_IntVec>self.present[level]).data
        done = (<_IntVec>self.done[level]).data
        no_key = (<_IntVec>self.no_key[level]).data
        ignore = (<_IntVec>self.ignore[level]).data
        self.stamp += 1
        call = self.stamp
        for i in range(items.size):
            present[items.data[i]] = call
        out = _IntVec()
        queue = _IntVec()
        seg_next = _IntVec()
        seg_end = _IntVec()
        queue.copy_from(items)
        seg_next.push(0)
        seg_end.push(<int>items.size)
        while _queue_open(seg_next, seg_end):
            self.stamp += 1
            batch = self.stamp
            no_key_items = _IntVec()
            slicing = -1
            while _queue_open(seg_next, seg_end):
                top = <int>seg_next.size - 1
                item = queue.data[seg_next.data[top]]
                seg_next.data[top] += 1
                if done[item] == call or no_key[item] == batch:
                    continue
                # The last of the item's keys not yet sliced at this call.
                for i in range(keys_start.data[item], keys_start.data[item + 1]):
                    k = keys_flat.data[i]
                    if ignore[k] != call:
                        slicing = k
                if slicing < 0:
                    no_key[item] = batch
                    no_key_items.push(item)
                    continue
                first = queue.size
                link = self.users_head.data[slicing]
                while link >= 0:
                    other = self.link_item.data[link]
                    if present[other] == call:
                        queue.push(other)
                    link = self.link_next.data[link]
                # Move the regrouped items to the front of the users of their other params too, so
                # a later slice keeps together what this one put together (pytest does the same).
                for i in range(queue.size - 1, first - 1, -1):
                    self.users_to_front(queue.data[i])
                seg_next.push(<int>first)
                seg_end.push(<int>queue.size)
                break
            if no_key_items.size:
                sub = self.reorder_at(no_key_items, level + 1)
                for i in range(sub.size):
                    item = sub.data[i]
                    if done[item] != call:
                        done[item] = call
                        out.push(item)
            if slicing >= 0:
                ignore[slicing] = call
        return out

    cdef int users_to_front(self, int item) except -1:
        """Move *item* to the front of the users of each of its keys, at every level."""
        cdef int level, link, k, head, before, after
        cdef Py_ssize_t i
        cdef _IntVec starts
        cdef int* nxt = self.link_next.data
        cdef int* prev = self.link_prev.data
        for level in range(_LEVELS):
            starts = self.keys_start[level]
            for i in range(starts.data[item], starts.data[item + 1]):
                link = self.level_base.data[level] + <int>i
                k = self.link_key.data[link]
                head = self.users_head.data[k]
                if head == link:
                    continue
                before = prev[link]
                after = nxt[link]
                nxt[before] = after
                if after >= 0:
                    prev[after] = before
                nxt[link] = head
                prev[link] = -1
                prev[head] = link
                self.users_head.data[k] = link
        return 0


cdef tuple _arg_pairs(tuple deps, const int* positions):
    """Return ``((name, positions[i]), ...)`` for the ``((name, definition), ...)`` *deps*."""
    cdef Py_ssize_t i
    cdef Py_ssize_t n = len(deps)
    cdef tuple pairs
    cdef object pair
    pairs = PyTuple_New(n)
    for i in range(n):
        pair = ((<tuple>deps[i])[0], positions[i])
        # PyTuple_SET_ITEM takes over a reference.
        Py_INCREF(pair)
        PyTuple_SET_ITEM(pairs, i, pair)
    return pairs


cdef tuple _int_tuple(const int* data, Py_ssize_t n):
    """Return the *n* ints at *data* as a tuple."""
    cdef Py_ssize_t i
    cdef object value
    cdef tuple out = PyTuple_New(n)
    for i in range(n):
        value = data[i]
        # PyTuple_SET_ITEM takes over a reference.
        Py_INCREF(value)
        PyTuple_SET_ITEM(out, i, value)
    return out


cdef inline unsigned long long _hash(const int* key, int length) noexcept:
    """Mix the ints of *key* into 64 bits (multiply-xorshift, as in MurmurHash3's finaliser)."""
    cdef unsigned long long h = 0x9E3779B97F4A7C15ULL ^ <unsigned long long>length
    cdef int i
    for i in range(length):
        h ^= <unsigned int>key[i]
        h *= 0xFF51AFD7ED558CCDULL
        h ^= h >> 33
    return h


cdef inline void _step(_IntVec kinds, _IntVec targets, _IntVec loops, int kind, int target, int loop) noexcept:
    """Append one step to the columns, which the caller made room for."""
    kinds.data[kinds.size] = kind
    targets.data[targets.size] = target
    loops.data[loops.size] = loop
    kinds.size += 1
    targets.size += 1
    loops.size += 1


cdef inline bint _reports_only(int kind, int target, const int* item_closure) noexcept:
    """Tell whether a step only reports its item: the call of a test that will not run, or a plan error.

    Such an item has no closure in the plan (skipped, xfail(run=False), or
    an error found while planning), so its step calls no user code.
    """
    return (kind == _CALL or kind == _PLAN_ERROR) and item_closure[target] < 0


cdef inline int _find(int* parent, int x):
    """Return the root of *x*, compressing the path to it."""
    cdef int root = x
    cdef int up
    while parent[root] != root:
        root = parent[root]
    while parent[x] != root:
        up = parent[x]
        parent[x] = root
        x = up
    return root


cdef inline bint _queue_open(_IntVec seg_next, _IntVec seg_end):
    """Drop the exhausted segments on top of the queue; return whether an item is left."""
    while seg_next.size and seg_next.data[seg_next.size - 1] == seg_end.data[seg_end.size - 1]:
        seg_next.size -= 1
        seg_end.size -= 1
    return seg_next.size > 0


cdef str _with_params(str test_id, str suffix):
    # Fixture param ids come first inside the brackets, as pytest writes them (test[p0-1]). Names
    # hold no "[", so the brackets open at the first one after the file part of the node id.
    cdef Py_ssize_t end = len(test_id)
    cdef Py_ssize_t at
    if test_id.endswith("]"):
        at = PyUnicode_Find(test_id, "[", PyUnicode_Find(test_id, "::", 0, end, 1) + 1, end, 1)
        if at >= 0:
            return f"{test_id[: at + 1]}{suffix}-{test_id[at + 1 :]}"
    return f"{test_id}[{suffix}]"


@cython.boundscheck(False)
@cython.wraparound(False)
cdef void _write_steps(
    _IntVec kinds,
    _IntVec targets,
    _IntVec loops,
    _IntVec first,
    _IntVec last,
    signed char[::1] step_kind,
    int[::1] step_target,
    int[::1] step_loop,
) noexcept:
    """Copy the steps into the plan's columns, with each loop opened before its first step and
    closed after its last.

    The columns hold ``kinds.size`` steps plus two per loop that has a first
    step, and such a loop has exactly one first and one last step, so every
    write is in range.
    """
    cdef Py_ssize_t s
    cdef Py_ssize_t out = 0
    cdef int lp
    for s in range(kinds.size):
        lp = loops.data[s]
        if lp >= 0 and first.data[lp] == s:
            step_kind[out] = _OPEN
            step_target[out] = lp
            step_loop[out] = lp
            out += 1
        step_kind[out] = <signed char>kinds.data[s]
        step_target[out] = targets.data[s]
        step_loop[out] = lp
        out += 1
        if lp >= 0 and last.data[lp] == s:
            step_kind[out] = _CLOSE
            step_target[out] = lp
            step_loop[out] = lp
            out += 1
