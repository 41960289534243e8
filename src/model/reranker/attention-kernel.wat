;; The attention re-ranker's dense loops in WebAssembly SIMD (f32x4): matrix products (with an optional
;; ReLU) and the listwise softmax-weighted sums. `FastReranker` lays the operands out in this module's
;; memory and calls in (see attention-kernel.ts). Addresses are byte offsets; matrices are row-major f32.
;; Compiled into attention-kernel-wasm.ts by `npm run build:kernel`; a test checks the two agree.
(module
  (memory (export "memory") 1)

  ;; out[0..m) = Σ_z row[z]·b[z, 0..m) (b is k×m; m a multiple of 4), then max(·, 0) when relu ≠ 0.
  ;; Sixteen columns at a time share each splat of row[z]; then four at a time.
  (func $row_times (param $row i32) (param $b i32) (param $out i32) (param $k i32) (param $m i32) (param $relu i32)
    (local $j i32) (local $z i32) (local $col i32) (local $stride i32) (local $x v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $stride (i32.shl (local.get $m) (i32.const 2)))
    (local.set $j (i32.const 0))
    (block $wide_done (loop $wide
      (br_if $wide_done (i32.gt_u (i32.add (local.get $j) (i32.const 64)) (local.get $stride)))
      (local.set $a0 (v128.const f32x4 0 0 0 0))
      (local.set $a1 (v128.const f32x4 0 0 0 0))
      (local.set $a2 (v128.const f32x4 0 0 0 0))
      (local.set $a3 (v128.const f32x4 0 0 0 0))
      (local.set $col (i32.add (local.get $b) (local.get $j)))
      (local.set $z (i32.const 0))
      (block $z_done (loop $zs
        (br_if $z_done (i32.ge_u (local.get $z) (local.get $k)))
        (local.set $x (f32x4.splat (f32.load (i32.add (local.get $row) (i32.shl (local.get $z) (i32.const 2))))))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $x) (v128.load offset=0 (local.get $col)))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $x) (v128.load offset=16 (local.get $col)))))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $x) (v128.load offset=32 (local.get $col)))))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $x) (v128.load offset=48 (local.get $col)))))
        (local.set $col (i32.add (local.get $col) (local.get $stride)))
        (local.set $z (i32.add (local.get $z) (i32.const 1)))
        (br $zs)))
      (if (local.get $relu) (then
        (local.set $a0 (f32x4.max (local.get $a0) (v128.const f32x4 0 0 0 0)))
        (local.set $a1 (f32x4.max (local.get $a1) (v128.const f32x4 0 0 0 0)))
        (local.set $a2 (f32x4.max (local.get $a2) (v128.const f32x4 0 0 0 0)))
        (local.set $a3 (f32x4.max (local.get $a3) (v128.const f32x4 0 0 0 0)))))
      (v128.store offset=0 (i32.add (local.get $out) (local.get $j)) (local.get $a0))
      (v128.store offset=16 (i32.add (local.get $out) (local.get $j)) (local.get $a1))
      (v128.store offset=32 (i32.add (local.get $out) (local.get $j)) (local.get $a2))
      (v128.store offset=48 (i32.add (local.get $out) (local.get $j)) (local.get $a3))
      (local.set $j (i32.add (local.get $j) (i32.const 64)))
      (br $wide)))
    (block $narrow_done (loop $narrow
      (br_if $narrow_done (i32.ge_u (local.get $j) (local.get $stride)))
      (local.set $a0 (v128.const f32x4 0 0 0 0))
      (local.set $col (i32.add (local.get $b) (local.get $j)))
      (local.set $z (i32.const 0))
      (block $z_done (loop $zs
        (br_if $z_done (i32.ge_u (local.get $z) (local.get $k)))
        (local.set $a0 (f32x4.add (local.get $a0)
          (f32x4.mul (f32x4.splat (f32.load (i32.add (local.get $row) (i32.shl (local.get $z) (i32.const 2)))))
                     (v128.load (local.get $col)))))
        (local.set $col (i32.add (local.get $col) (local.get $stride)))
        (local.set $z (i32.add (local.get $z) (i32.const 1)))
        (br $zs)))
      (if (local.get $relu) (then (local.set $a0 (f32x4.max (local.get $a0) (v128.const f32x4 0 0 0 0)))))
      (v128.store (i32.add (local.get $out) (local.get $j)) (local.get $a0))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $narrow))))

  ;; out = a·b (a n×k, b k×m, out n×m; m a multiple of 4), then max(·, 0) when relu ≠ 0.
  (func (export "matmul") (param $a i32) (param $b i32) (param $out i32) (param $n i32) (param $k i32) (param $m i32) (param $relu i32)
    (local $i i32)
    (block $done (loop $rows
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (call $row_times
        (i32.add (local.get $a) (i32.shl (i32.mul (local.get $i) (local.get $k)) (i32.const 2)))
        (local.get $b)
        (i32.add (local.get $out) (i32.shl (i32.mul (local.get $i) (local.get $m)) (i32.const 2)))
        (local.get $k) (local.get $m) (local.get $relu))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows))))

  ;; e^x per lane (Cephes expf: x = n·ln2 + r, a degree-5 polynomial in r, 2^n from the exponent bits);
  ;; relative error ≈ 1e-7; x below −88.38 gives 0.
  (func $exp4 (param $x v128) (result v128)
    (local $fx v128) (local $r v128) (local $y v128)
    (local.set $x (f32x4.min (f32x4.max (local.get $x) (v128.const f32x4 -88.3762626647949 -88.3762626647949 -88.3762626647949 -88.3762626647949))
                             (v128.const f32x4 88.3762626647949 88.3762626647949 88.3762626647949 88.3762626647949)))
    (local.set $fx (f32x4.floor (f32x4.add (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341))
                                           (v128.const f32x4 0.5 0.5 0.5 0.5))))
    (local.set $r (f32x4.sub (f32x4.sub (local.get $x) (f32x4.mul (local.get $fx) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375)))
                             (f32x4.mul (local.get $fx) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
    (local.set $y (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
    (local.set $y (f32x4.add (f32x4.add (f32x4.mul (local.get $y) (f32x4.mul (local.get $r) (local.get $r))) (local.get $r)) (v128.const f32x4 1 1 1 1)))
    (f32x4.mul (local.get $y)
      (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $fx)) (v128.const i32x4 127 127 127 127)) (i32.const 23))))

  ;; For each of the n candidates c: out[c] = Σ_o softmax_o(q_c·k_o)·values[o] over the n candidates.
  ;; q: n rows of a (row stride qstride floats, pre-scaled); kt: the keys transposed, a×n4 (n4 = n rounded
  ;; up to 4, padding columns 0); values: n4 (padding 0); row: n4 floats of scratch.
  (func (export "listwise") (param $q i32) (param $qstride i32) (param $kt i32) (param $values i32) (param $out i32) (param $row i32) (param $n i32) (param $a i32) (param $n4 i32)
    (local $c i32) (local $o i32) (local $end i32) (local $max v128) (local $p v128) (local $total v128) (local $weighted v128) (local $m f32)
    (local.set $end (i32.add (local.get $row) (i32.shl (local.get $n4) (i32.const 2))))
    (block $done (loop $cands
      (br_if $done (i32.ge_u (local.get $c) (local.get $n)))
      (call $row_times (i32.add (local.get $q) (i32.shl (i32.mul (local.get $c) (local.get $qstride)) (i32.const 2)))
        (local.get $kt) (local.get $row) (local.get $a) (local.get $n4) (i32.const 0))
      ;; padding columns never win the max and weigh e^(−∞ − max) = 0.
      (local.set $o (local.get $n))
      (block $pad_done (loop $pad
        (br_if $pad_done (i32.ge_u (local.get $o) (local.get $n4)))
        (f32.store (i32.add (local.get $row) (i32.shl (local.get $o) (i32.const 2))) (f32.const -inf))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $pad)))
      (local.set $max (v128.const f32x4 -inf -inf -inf -inf))
      (local.set $o (local.get $row))
      (block $max_done (loop $maxes
        (br_if $max_done (i32.ge_u (local.get $o) (local.get $end)))
        (local.set $max (f32x4.max (local.get $max) (v128.load (local.get $o))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $maxes)))
      (local.set $m (f32.max (f32.max (f32x4.extract_lane 0 (local.get $max)) (f32x4.extract_lane 1 (local.get $max)))
                             (f32.max (f32x4.extract_lane 2 (local.get $max)) (f32x4.extract_lane 3 (local.get $max)))))
      (local.set $max (f32x4.splat (local.get $m)))
      (local.set $total (v128.const f32x4 0 0 0 0))
      (local.set $weighted (v128.const f32x4 0 0 0 0))
      (local.set $o (i32.const 0))
      (block $exp_done (loop $exps
        (br_if $exp_done (i32.ge_u (local.get $o) (local.get $n4)))
        (local.set $p (call $exp4 (f32x4.sub (v128.load (i32.add (local.get $row) (i32.shl (local.get $o) (i32.const 2)))) (local.get $max))))
        (local.set $total (f32x4.add (local.get $total) (local.get $p)))
        (local.set $weighted (f32x4.add (local.get $weighted)
          (f32x4.mul (local.get $p) (v128.load (i32.add (local.get $values) (i32.shl (local.get $o) (i32.const 2)))))))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $exps)))
      (f32.store (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 2)))
        (f32.div
          (f32.add (f32.add (f32x4.extract_lane 0 (local.get $weighted)) (f32x4.extract_lane 1 (local.get $weighted)))
                   (f32.add (f32x4.extract_lane 2 (local.get $weighted)) (f32x4.extract_lane 3 (local.get $weighted))))
          (f32.add (f32.add (f32x4.extract_lane 0 (local.get $total)) (f32x4.extract_lane 1 (local.get $total)))
                   (f32.add (f32x4.extract_lane 2 (local.get $total)) (f32x4.extract_lane 3 (local.get $total))))))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br $cands))))
)
