"""Numerical kernels (numba, compiled once and cached on disk): searches over CSR arrays.

:func:`knn_multi_source` is the heart: one search per facility category from all its
facilities at once, carrying at every node the ``k`` best (distance, facility) labels with
distinct facilities. The queue is a cyclic bucket queue (Dial/Δ-stepping): entries are put in
buckets of width ``delta`` metres and a bucket is emptied in any order, re-relaxing a node
when a later entry of the same bucket improves it (label-correcting), so the answer is exact
for any ``delta``. Labels only travel through nodes where they are among the ``k`` best: if
``k`` other facilities are closer to ``u`` than ``f`` is, they are closer to every node
behind ``u`` too.

:func:`bounded_pairs` runs one small bounded search per facility and emits the sparse
(origin, facility, distance) pairs within a cut-off, the input of counts and 2SFCA.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, inline="always")
def _label_insert(lab_d, lab_f, v, f, d, k):  # type: ignore[no-untyped-def]
    """Offer label (d, f) to node v's sorted k-best row; True when it entered or improved."""
    pos = -1
    for j in range(k):
        if lab_f[v, j] == f:
            pos = j
            break
    if pos >= 0:
        if d >= lab_d[v, pos]:
            return False
        j = pos
    else:
        if d >= lab_d[v, k - 1]:
            return False
        j = k - 1
    while j > 0 and lab_d[v, j - 1] > d:
        lab_d[v, j] = lab_d[v, j - 1]
        lab_f[v, j] = lab_f[v, j - 1]
        j -= 1
    lab_d[v, j] = d
    lab_f[v, j] = f
    return True


@njit(cache=True, nogil=True)
def _bucket_span(weights, seed_dist, cutoff, delta):  # type: ignore[no-untyped-def]
    """Number of cyclic buckets needed and the first bucket (-1 when no seed is in range)."""
    max_w = 0.0
    for p in range(weights.size):
        if weights[p] > max_w:
            max_w = weights[p]
    lo = np.inf
    hi = 0.0
    for s in range(seed_dist.size):
        if seed_dist[s] <= cutoff:
            lo = min(lo, seed_dist[s])
            hi = max(hi, seed_dist[s])
    if lo == np.inf:
        return 0, -1
    need = int(max(max_w, hi - lo) / delta) + 2
    nb = 1
    while nb < need:  # a power of two, so that the bucket of a distance is a mask, not a modulo
        nb *= 2
    return nb, int(lo / delta)


@njit(cache=True, nogil=True)
def nearest1(indptr, indices, weights, seed_node, seed_dist, seed_fac, cutoff, delta):  # type: ignore[no-untyped-def]
    """The nearest facility of every node: :func:`knn_multi_source` for ``k = 1``, leaner.

    Queue entries are bare node ids; an entry is current when the node's distance still
    falls in the bucket being emptied (improvements only ever move a node to an earlier or
    the same bucket, so stale entries are recognised without storing their distance).
    """
    cap = indptr.size + seed_node.size + 1024
    while True:
        dist, fac, ok = _nearest1(
            indptr, indices, weights, seed_node, seed_dist, seed_fac, cutoff, delta, cap
        )
        if ok:
            return dist, fac
        cap *= 2


@njit(cache=True, nogil=True)
def _nearest1(indptr, indices, weights, seed_node, seed_dist, seed_fac, cutoff, delta, cap):  # type: ignore[no-untyped-def]
    # The entry pool has a fixed size (arrays never reassigned in the hot loop, so that LLVM
    # keeps their addresses in registers); on overflow the caller retries with a bigger one.
    n = indptr.size - 1
    dist = np.full(n, np.inf)
    fac = np.full(n, -1, np.int32)
    nb, cur = _bucket_span(weights, seed_dist, cutoff, delta)
    if cur < 0:
        return dist, fac, True
    inv = 1.0 / delta
    mask = nb - 1
    head = np.full(nb, -1, np.int32)
    e_node = np.empty(cap, np.int32)
    e_next = np.empty(cap, np.int32)
    free = -1
    used = 0
    live = 0
    for s in range(seed_node.size):
        v = seed_node[s]
        d = seed_dist[s]
        if d <= cutoff and d < dist[v]:
            dist[v] = d
            fac[v] = seed_fac[s]
            if used == cap:
                return dist, fac, False
            e = used
            used += 1
            b = int(d * inv) & mask
            e_node[e] = v
            e_next[e] = head[b]
            head[b] = e
            live += 1
    while live > 0:
        slot = cur & mask
        while head[slot] != -1:
            e = head[slot]
            head[slot] = e_next[e]
            live -= 1
            v = e_node[e]
            e_next[e] = free
            free = e
            d = dist[v]
            if int(d * inv) != cur:
                continue  # stale: v was improved into an earlier bucket and expanded there
            f = fac[v]
            for p in range(indptr[v], indptr[v + 1]):
                x = indices[p]
                nd = d + weights[p]
                if nd < dist[x] and nd <= cutoff:
                    dist[x] = nd
                    fac[x] = f
                    if free >= 0:
                        e2 = free
                        free = e_next[e2]
                    else:
                        if used == cap:
                            return dist, fac, False
                        e2 = used
                        used += 1
                    b = int(nd * inv) & mask
                    e_node[e2] = x
                    e_next[e2] = head[b]
                    head[b] = e2
                    live += 1
        cur += 1
    return dist, fac, True


@njit(cache=True, nogil=True)
def knn_multi_source(indptr, indices, weights, seed_node, seed_dist, seed_fac, k, cutoff, delta):  # type: ignore[no-untyped-def]
    """k nearest distinct facilities of every node, within ``cutoff``.

    Parameters
    ----------
    indptr, indices, weights : CSR arrays of a symmetric graph (int64, int32, float64).
    seed_node, seed_dist, seed_fac : where each facility enters the graph: a node, the
        distance already walked to reach it, the facility's id (a facility may have several seeds).
    k : number of facilities to keep per node.
    cutoff : largest distance kept (inclusive).
    delta : bucket width in the graph's units.

    Returns
    -------
    dist : float64 (n, k), ascending per row, ``inf`` where fewer than k facilities are in reach.
    fac : int32 (n, k), facility ids, -1 where ``dist`` is ``inf``.
    """
    n = indptr.size - 1
    if k == 1:
        d1, f1 = nearest1(indptr, indices, weights, seed_node, seed_dist, seed_fac, cutoff, delta)
        return d1.reshape((n, 1)), f1.reshape((n, 1))
    cap = 2 * n + 2 * seed_node.size + 1024
    while True:
        lab_d, lab_f, ok = _knn(
            indptr, indices, weights, seed_node, seed_dist, seed_fac, k, cutoff, delta, cap
        )
        if ok:
            return lab_d, lab_f
        cap *= 2


@njit(cache=True, nogil=True)
def _knn(indptr, indices, weights, seed_node, seed_dist, seed_fac, k, cutoff, delta, cap):  # type: ignore[no-untyped-def]
    n = indptr.size - 1
    lab_d = np.full((n, k), np.inf)
    lab_f = np.full((n, k), -1, np.int32)
    nb, cur = _bucket_span(weights, seed_dist, cutoff, delta)
    if cur < 0:
        return lab_d, lab_f, True
    inv = 1.0 / delta
    mask = nb - 1
    head = np.full(nb, -1, np.int32)
    e_node = np.empty(cap, np.int32)
    e_fac = np.empty(cap, np.int32)
    e_next = np.empty(cap, np.int32)
    free = -1
    used = 0
    live = 0
    for s in range(seed_node.size):
        v = seed_node[s]
        d = seed_dist[s]
        if d <= cutoff and _label_insert(lab_d, lab_f, v, seed_fac[s], d, k):
            if used == cap:
                return lab_d, lab_f, False
            e = used
            used += 1
            b = int(d * inv) & mask
            e_node[e] = v
            e_fac[e] = seed_fac[s]
            e_next[e] = head[b]
            head[b] = e
            live += 1
    while live > 0:
        slot = cur & mask
        while head[slot] != -1:
            e = head[slot]
            head[slot] = e_next[e]
            live -= 1
            v = e_node[e]
            f = e_fac[e]
            e_next[e] = free
            free = e
            # Current when (v, f) is still a label of v in this bucket; else it was evicted
            # or improved (and expanded earlier).
            d = np.inf
            for j in range(k):
                if lab_f[v, j] == f:
                    d = lab_d[v, j]
                    break
            if d == np.inf or int(d * inv) != cur:
                continue
            for p in range(indptr[v], indptr[v + 1]):
                x = indices[p]
                nd = d + weights[p]
                if nd > cutoff or nd >= lab_d[x, k - 1]:
                    continue
                if _label_insert(lab_d, lab_f, x, f, nd, k):
                    if free >= 0:
                        e2 = free
                        free = e_next[e2]
                    else:
                        if used == cap:
                            return lab_d, lab_f, False
                        e2 = used
                        used += 1
                    b = int(nd * inv) & mask
                    e_node[e2] = x
                    e_fac[e2] = f
                    e_next[e2] = head[b]
                    head[b] = e2
                    live += 1
        cur += 1
    return lab_d, lab_f, True


@njit(cache=True, nogil=True)
def merge_origins(
    lab_d, lab_f, o_u, o_v, o_du, o_dv, o_edge, fe_ptr, fe_pos, fe_acc, fe_fac, o_pos, o_acc, k, cutoff
):  # type: ignore[no-untyped-def]
    """k nearest facilities of points on edges, from the node labels at both edge ends.

    An origin at along-edge position ``o_pos`` of edge ``o_edge`` reaches its end nodes at
    ``o_du``/``o_dv`` (access leg included); facilities on the same edge are also reached
    directly along it. Rows of a point that is not on the network (``o_edge < 0``) stay inf.
    """
    no = o_u.size
    out_d = np.full((no, k), np.inf)
    out_f = np.full((no, k), -1, np.int32)
    for o in range(no):
        if o_edge[o] < 0:
            continue
        u = o_u[o]
        v = o_v[o]
        for j in range(k):
            f = lab_f[u, j]
            if f >= 0:
                d = lab_d[u, j] + o_du[o]
                if d <= cutoff:
                    _label_insert(out_d, out_f, o, f, d, k)
            f = lab_f[v, j]
            if f >= 0:
                d = lab_d[v, j] + o_dv[o]
                if d <= cutoff:
                    _label_insert(out_d, out_f, o, f, d, k)
        e = o_edge[o]
        for q in range(fe_ptr[e], fe_ptr[e + 1]):
            d = abs(fe_pos[q] - o_pos[o]) + fe_acc[q] + o_acc[o]
            if d <= cutoff:
                _label_insert(out_d, out_f, o, fe_fac[q], d, k)
    return out_d, out_f


@njit(cache=True, nogil=True)
def _heap_push(hd, hn, size, d, x):  # type: ignore[no-untyped-def]
    i = size
    hd[i] = d
    hn[i] = x
    while i > 0:
        parent = (i - 1) >> 1
        if hd[parent] <= hd[i]:
            break
        hd[i], hd[parent] = hd[parent], hd[i]
        hn[i], hn[parent] = hn[parent], hn[i]
        i = parent
    return size + 1


@njit(cache=True, nogil=True)
def _heap_pop(hd, hn, size):  # type: ignore[no-untyped-def]
    d = hd[0]
    x = hn[0]
    size -= 1
    hd[0] = hd[size]
    hn[0] = hn[size]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        c = left
        if left + 1 < size and hd[left + 1] < hd[left]:
            c = left + 1
        if hd[i] <= hd[c]:
            break
        hd[i], hd[c] = hd[c], hd[i]
        hn[i], hn[c] = hn[c], hn[i]
        i = c
    return d, x, size


@njit(cache=True, nogil=True)
def bounded_pairs(
    indptr,
    indices,
    weights,
    f_ptr,
    seed_node,
    seed_dist,
    a_ptr,
    a_org,
    a_off,
    cutoff,
    direct_f,
    direct_o,
    direct_d,
    n_org,
):  # type: ignore[no-untyped-def]
    """All (origin, facility, distance) pairs with distance ≤ cutoff, one bounded search per facility.

    Facility ``j`` enters at ``seed_node[f_ptr[j]:f_ptr[j + 1]]`` having walked ``seed_dist``;
    origins are attached to nodes by the CSR ``a_ptr``/``a_org``/``a_off`` (offset = walk from
    the node to the origin). ``direct_*`` are extra (facility, origin, distance) candidates,
    for points sharing an edge. Returns COO arrays sorted by facility.
    """
    n = indptr.size - 1
    nf = f_ptr.size - 1
    dist = np.full(n, np.inf)
    touched = np.empty(n, np.int64)
    best = np.full(n_org, np.inf)
    o_touched = np.empty(n_org, np.int64)
    hd = np.empty(indices.size + seed_node.size + 1, np.float64)
    hn = np.empty(indices.size + seed_node.size + 1, np.int64)
    cap = 1024
    out_o = np.empty(cap, np.int32)
    out_f = np.empty(cap, np.int32)
    out_d = np.empty(cap, np.float64)
    n_out = 0
    # direct candidates sorted by facility: walk them alongside
    dq = 0
    for j in range(nf):
        size = 0
        nt = 0
        no = 0
        for s in range(f_ptr[j], f_ptr[j + 1]):
            x = seed_node[s]
            d = seed_dist[s]
            if d <= cutoff and d < dist[x]:
                if dist[x] == np.inf:
                    touched[nt] = x
                    nt += 1
                dist[x] = d
                size = _heap_push(hd, hn, size, d, x)
        while size > 0:
            d, x, size = _heap_pop(hd, hn, size)
            if d > dist[x]:
                continue
            for a in range(a_ptr[x], a_ptr[x + 1]):
                o = a_org[a]
                c = d + a_off[a]
                if c <= cutoff and c < best[o]:
                    if best[o] == np.inf:
                        o_touched[no] = o
                        no += 1
                    best[o] = c
            for p in range(indptr[x], indptr[x + 1]):
                y = indices[p]
                nd = d + weights[p]
                if nd <= cutoff and nd < dist[y]:
                    if dist[y] == np.inf:
                        touched[nt] = y
                        nt += 1
                    dist[y] = nd
                    size = _heap_push(hd, hn, size, nd, y)
        while dq < direct_f.size and direct_f[dq] == j:
            o = direct_o[dq]
            c = direct_d[dq]
            if c <= cutoff and c < best[o]:
                if best[o] == np.inf:
                    o_touched[no] = o
                    no += 1
                best[o] = c
            dq += 1
        if n_out + no > out_o.size:
            cap = max(2 * out_o.size, n_out + no)
            t_o = np.empty(cap, np.int32)
            t_f = np.empty(cap, np.int32)
            t_d = np.empty(cap, np.float64)
            t_o[:n_out] = out_o[:n_out]
            t_f[:n_out] = out_f[:n_out]
            t_d[:n_out] = out_d[:n_out]
            out_o, out_f, out_d = t_o, t_f, t_d
        for q in range(no):
            o = o_touched[q]
            out_o[n_out] = o
            out_f[n_out] = j
            out_d[n_out] = best[o]
            n_out += 1
            best[o] = np.inf
        for q in range(nt):
            dist[touched[q]] = np.inf
    return out_o[:n_out].copy(), out_f[:n_out].copy(), out_d[:n_out].copy()


@njit(cache=True, nogil=True)
def single_source(indptr, indices, weights, seed_node, seed_dist, cutoff):  # type: ignore[no-untyped-def]
    """Distances from a set of seeds to every node within ``cutoff`` (inf beyond), by a binary heap."""
    n = indptr.size - 1
    dist = np.full(n, np.inf)
    hd = np.empty(indices.size + seed_node.size + 1, np.float64)
    hn = np.empty(indices.size + seed_node.size + 1, np.int64)
    size = 0
    for s in range(seed_node.size):
        x = seed_node[s]
        if seed_dist[s] <= cutoff and seed_dist[s] < dist[x]:
            dist[x] = seed_dist[s]
            size = _heap_push(hd, hn, size, seed_dist[s], x)
    while size > 0:
        d, x, size = _heap_pop(hd, hn, size)
        if d > dist[x]:
            continue
        for p in range(indptr[x], indptr[x + 1]):
            y = indices[p]
            nd = d + weights[p]
            if nd <= cutoff and nd < dist[y]:
                dist[y] = nd
                size = _heap_push(hd, hn, size, nd, y)
    return dist


@njit(cache=True, nogil=True)
def symmetric_csr(n, u, v, w):  # type: ignore[no-untyped-def]
    """Symmetric CSR of undirected edges: rows sorted by column, parallel edges cut to the shortest.

    A counting sort by row, then each (short) row sorted in place: linear in the edges.
    """
    m = u.size
    count = np.zeros(n + 1, np.int64)
    for e in range(m):
        count[u[e] + 1] += 1
        count[v[e] + 1] += 1
    for x in range(n):
        count[x + 1] += count[x]
    fill = count[:-1].copy()
    col = np.empty(2 * m, np.int32)
    wt = np.empty(2 * m, np.float64)
    for e in range(m):
        a = u[e]
        b = v[e]
        col[fill[a]] = b
        wt[fill[a]] = w[e]
        fill[a] += 1
        col[fill[b]] = a
        wt[fill[b]] = w[e]
        fill[b] += 1
    indptr = np.zeros(n + 1, np.int64)
    out = 0
    for x in range(n):
        lo = count[x]
        hi = count[x + 1]
        for i in range(lo + 1, hi):  # insertion sort by (column, weight)
            c = col[i]
            d = wt[i]
            j = i - 1
            while j >= lo and (col[j] > c or (col[j] == c and wt[j] > d)):
                col[j + 1] = col[j]
                wt[j + 1] = wt[j]
                j -= 1
            col[j + 1] = c
            wt[j + 1] = d
        for i in range(lo, hi):
            if i > lo and col[i] == col[i - 1]:
                continue  # a parallel edge, longer than the one kept
            col[out] = col[i]
            wt[out] = wt[i]
            out += 1
        indptr[x + 1] = out
    return indptr, col[:out].copy(), wt[:out].copy()
