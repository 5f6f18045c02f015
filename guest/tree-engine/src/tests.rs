//! Unit tests of the engine: each split rule, the block loop, and refusals.

use super::*;

fn split(feature: u32, threshold: f64, left: u32, right: u32, default_left: bool, rule: SplitRule) -> RawNode {
    RawNode::Split(RawSplit { feature, threshold, left, right, default_left, rule })
}

fn leaf(v: f64) -> RawNode {
    RawNode::Leaf(vec![v])
}

/// One split on feature 0 at 1.0 with `rule`: left leaf 10, right leaf 20.
fn stump(rule: SplitRule, default_left: bool) -> Forest {
    let tree = RawTree { nodes: vec![split(0, 1.0, 1, 2, default_left, rule), leaf(10.0), leaf(20.0)], target: 0 };
    Forest::new(vec![tree], 1, 1, 1, &Limits::default()).unwrap()
}

fn one(forest: &Forest, x: f64) -> f64 {
    forest.predict::<f64>(&[x], 1, &[0.0]).unwrap()[0]
}

#[test]
fn each_rule_decides_like_its_library() {
    let lt = stump(SplitRule::LtNanDefault, false);
    assert_eq!([one(&lt, 0.5), one(&lt, 1.0), one(&lt, f64::NAN)], [10.0, 20.0, 20.0]);
    let le = stump(SplitRule::LeNanDefault, true);
    assert_eq!([one(&le, 1.0), one(&le, 1.5), one(&le, f64::NAN)], [10.0, 20.0, 10.0]);
    // NaN is 0 and 0 <= 1 goes left, whatever the default.
    let none = stump(SplitRule::LeNanZero, false);
    assert_eq!([one(&none, f64::NAN), one(&none, 2.0)], [10.0, 20.0]);
    // Zero (and NaN, as zero) takes the default (right) even though 0 <= 1.
    let zero = stump(SplitRule::LeZeroDefault, false);
    assert_eq!([one(&zero, 0.0), one(&zero, f64::NAN), one(&zero, 0.5), one(&zero, 1e-36)], [20.0, 20.0, 10.0, 20.0]);
    // Categories 1 and 33 go left; others, negatives, huge values right; NaN default.
    let cat = stump(SplitRule::Categorical(vec![0b10, 0b10]), true);
    let got: Vec<f64> = [1.0, 1.7, 33.0, 0.0, 2.0, -1.0, 64.0, 1e300, f64::NAN].iter().map(|&x| one(&cat, x)).collect();
    assert_eq!(got, [10.0, 10.0, 10.0, 20.0, 20.0, 20.0, 20.0, 20.0, 10.0]);
}

#[test]
fn blocks_give_the_same_scores_as_rows_one_by_one() {
    // Two trees on two outputs plus a vector-leaf forest; 150 rows cross block edges.
    let t0 =
        RawTree { nodes: vec![split(0, 0.0, 1, 2, true, SplitRule::LtNanDefault), leaf(0.1), leaf(0.2)], target: 0 };
    let t1 = RawTree {
        nodes: vec![
            split(1, 0.5, 2, 1, false, SplitRule::LtNanDefault),
            leaf(-1.0),
            split(0, -0.5, 3, 4, false, SplitRule::LtNanDefault),
            leaf(3.0),
            leaf(4.0),
        ],
        target: 1,
    };
    let forest = Forest::new(vec![t0, t1], 2, 2, 1, &Limits::default()).unwrap();
    let data: Vec<f64> = (0..300).map(|i| ((i * 37 % 101) as f64 - 50.0) / 40.0).collect();
    let all = forest.predict::<f32>(&data, 2, &[0.5, -0.5]).unwrap();
    for r in 0..150 {
        let row = forest.predict::<f32>(&data[r * 2..r * 2 + 2], 2, &[0.5, -0.5]).unwrap();
        assert_eq!(&all[r * 2..r * 2 + 2], &row[..], "row {r}");
    }
    // Wider rows (stride 3) read only the first two columns.
    let wide: Vec<f64> = data.chunks(2).flat_map(|r| [r[0], r[1], 99.0]).collect();
    assert_eq!(forest.predict::<f32>(&wide, 3, &[0.5, -0.5]).unwrap(), all);
}

#[test]
fn f32_accumulation_rounds_like_float() {
    let tree = |v: f64| RawTree { nodes: vec![leaf(v)], target: 0 };
    let forest = Forest::new(vec![tree(1e8), tree(1.0), tree(1.0)], 1, 1, 1, &Limits::default()).unwrap();
    // 1e8 + 1 is 1e8 in float; in double it is not.
    assert_eq!(forest.predict::<f32>(&[0.0], 1, &[0.0]).unwrap(), [1e8_f32]);
    assert_eq!(forest.predict::<f64>(&[0.0], 1, &[0.0]).unwrap(), [1e8 + 2.0]);
}

#[test]
fn vector_leaves_add_to_every_output() {
    let tree = RawTree {
        nodes: vec![
            split(0, 0.0, 1, 2, false, SplitRule::LtNanDefault),
            RawNode::Leaf(vec![1.0, 2.0]),
            RawNode::Leaf(vec![3.0, 4.0]),
        ],
        target: 0,
    };
    let forest = Forest::new(vec![tree], 1, 2, 2, &Limits::default()).unwrap();
    assert_eq!(forest.predict::<f64>(&[-1.0, 1.0], 1, &[0.0, 10.0]).unwrap(), [1.0, 12.0, 3.0, 14.0]);
}

#[test]
fn slices_keep_the_chosen_trees() {
    let tree = |v: f64| RawTree { nodes: vec![leaf(v)], target: 0 };
    let forest = Forest::new(vec![tree(1.0), tree(2.0), tree(4.0)], 1, 1, 1, &Limits::default()).unwrap();
    assert_eq!(forest.slice(1, 3).predict::<f64>(&[0.0], 1, &[0.0]).unwrap(), [6.0]);
    assert_eq!(forest.truncated(2).predict::<f64>(&[0.0], 1, &[0.0]).unwrap(), [3.0]);
    assert_eq!(forest.slice(5, 9).trees().len(), 0);
}

#[test]
fn broken_trees_are_refused() {
    let limits = Limits::default();
    let build = |nodes: Vec<RawNode>| Forest::new(vec![RawTree { nodes, target: 0 }], 2, 1, 1, &limits);
    let lt = || SplitRule::LtNanDefault;
    assert_eq!(
        build(vec![split(0, 0.0, 1, 7, false, lt()), leaf(1.0)]),
        Err(BuildError::ChildOutOfRange { tree: 0, node: 0, child: 7, len: 2 })
    );
    // A cycle back to the root, and a node shared by two parents.
    assert_eq!(
        build(vec![split(0, 0.0, 1, 2, false, lt()), split(0, 0.0, 0, 2, false, lt()), leaf(1.0)]),
        Err(BuildError::NotATree { tree: 0, node: 0 })
    );
    assert_eq!(
        build(vec![split(0, 0.0, 1, 2, false, lt()), split(0, 0.0, 2, 2, false, lt()), leaf(1.0)]),
        Err(BuildError::NotATree { tree: 0, node: 2 })
    );
    assert!(matches!(build(vec![split(0, 0.0, 0, 0, false, lt())]), Err(BuildError::NotATree { tree: 0, node: 0 })));
    assert_eq!(
        build(vec![split(5, 0.0, 1, 2, false, lt()), leaf(1.0), leaf(2.0)]),
        Err(BuildError::Feature { tree: 0, node: 0, feature: 5, n_features: 2 })
    );
    assert!(matches!(build(vec![RawNode::Leaf(vec![1.0, 2.0])]), Err(BuildError::Leaf(_))));
    assert!(matches!(build(vec![]), Err(BuildError::Size(_))));
    let small = Limits { max_nodes: 2, ..limits };
    let three = RawTree { nodes: vec![split(0, 0.0, 1, 2, false, lt()), leaf(1.0), leaf(2.0)], target: 0 };
    assert!(matches!(Forest::new(vec![three.clone()], 2, 1, 1, &small), Err(BuildError::Size(_))));
    assert!(matches!(Forest::new(vec![RawTree { target: 3, ..three }], 2, 1, 1, &limits), Err(BuildError::Leaf(_))));
}

#[test]
fn a_deep_chain_builds_and_evaluates_without_recursion() {
    // 200,000 nested splits: recursion would overflow the stack.
    let depth = 200_000u32;
    let mut nodes = Vec::with_capacity(2 * depth as usize + 1);
    for i in 0..depth {
        nodes.push(split(0, 1.0, 2 * i + 2, 2 * i + 1, false, SplitRule::LtNanDefault));
        nodes.push(leaf(f64::from(i)));
    }
    nodes.push(leaf(-1.0));
    let forest = Forest::new(vec![RawTree { nodes, target: 0 }], 1, 1, 1, &Limits::default()).unwrap();
    assert_eq!(forest.predict::<f64>(&[0.0, 5.0], 1, &[0.0]).unwrap(), [-1.0, 0.0]);
}

#[test]
fn bad_shapes_are_errors() {
    let forest = stump(SplitRule::LtNanDefault, false);
    assert!(matches!(forest.predict::<f64>(&[1.0], 0, &[0.0]), Err(PredictError::Shape { .. })));
    assert!(matches!(forest.predict::<f64>(&[1.0], 1, &[0.0, 0.0]), Err(PredictError::Base { .. })));
    assert_eq!(forest.predict::<f64>(&[], 1, &[0.0]).unwrap(), Vec::<f64>::new());
}

#[test]
fn linear_leaves_add_their_model_or_fall_back_on_nan() {
    let tree = RawTree {
        nodes: vec![
            split(0, 0.0, 1, 2, false, SplitRule::LeNanDefault),
            RawNode::Linear { value: 7.0, constant: 1.0, terms: vec![(1, 2.0), (0, -1.0)] },
            leaf(5.0),
        ],
        target: 0,
    };
    let forest = Forest::new(vec![tree.clone()], 2, 1, 1, &Limits::default()).unwrap();
    // Row (-1, 3): left, 1 + 2·3 - 1·(-1) = 8. Row (-1, NaN): the constant leaf 7. Row (1, 0): right, 5.
    let got = forest.predict::<f64>(&[-1.0, 3.0, -1.0, f64::NAN, 1.0, 0.0], 2, &[0.0]).unwrap();
    assert_eq!(got, [8.0, 7.0, 5.0]);
    let mut bad = tree;
    bad.nodes[1] = RawNode::Linear { value: 0.0, constant: 0.0, terms: vec![(9, 1.0)] };
    assert!(matches!(Forest::new(vec![bad], 2, 1, 1, &Limits::default()), Err(BuildError::Feature { feature: 9, .. })));
}

#[test]
fn equality_splits_send_equal_values_left_and_nan_the_default_way() {
    let eq = stump(SplitRule::EqNanDefault, true);
    assert_eq!([one(&eq, 1.0), one(&eq, 1.5), one(&eq, 0.0), one(&eq, f64::NAN)], [10.0, 20.0, 20.0, 10.0]);
    let eq = stump(SplitRule::EqNanDefault, false);
    assert_eq!(one(&eq, f64::NAN), 20.0);
}

#[test]
fn visiting_leaves_sees_each_tree_for_each_row_in_block_order() {
    let forest = Forest::new(
        vec![
            RawTree {
                nodes: vec![split(0, 1.0, 1, 2, false, SplitRule::LtNanDefault), leaf(1.0), leaf(2.0)],
                target: 0,
            },
            RawTree { nodes: vec![leaf(5.0)], target: 0 },
        ],
        1,
        1,
        1,
        &Limits::default(),
    )
    .unwrap();
    let rows: Vec<f64> = (0..70).map(|i| i as f64 / 50.0).collect();
    let mut max = vec![f64::MIN; rows.len()];
    let mut visits = 0;
    let n = forest
        .visit_leaves(&rows, 1, |r, _, leaf| {
            visits += 1;
            max[r] = max[r].max(leaf[0]);
        })
        .unwrap();
    assert_eq!((n, visits), (70, 140));
    assert!(max.iter().all(|&m| m == 5.0));
    assert!(forest.visit_leaves(&rows, 0, |_, _, _| {}).is_err());
}

#[test]
fn one_rule_forests_take_the_fast_walk_and_agree_with_the_dispatching_one() {
    use crate::eval::Uniform;
    assert_eq!(stump(SplitRule::LtNanDefault, true).rule, Uniform::Lt);
    assert_eq!(stump(SplitRule::LeNanDefault, false).rule, Uniform::Le);
    assert_eq!(stump(SplitRule::LeNanZero, false).rule, Uniform::Mixed);
    // The same trees plus one categorical stump: now walked node by node.
    let lt = |default_left| RawTree {
        nodes: vec![
            split(0, 0.5, 1, 2, default_left, SplitRule::LtNanDefault),
            leaf(1.0),
            split(1, -0.5, 3, 4, !default_left, SplitRule::LtNanDefault),
            leaf(2.0),
            leaf(4.0),
        ],
        target: 0,
    };
    let cat = RawTree {
        nodes: vec![split(1, 0.0, 1, 2, false, SplitRule::Categorical(vec![0b100])), leaf(0.0), leaf(0.0)],
        target: 0,
    };
    let fast = Forest::new(vec![lt(true), lt(false)], 2, 1, 1, &Limits::default()).unwrap();
    let mixed = Forest::new(vec![lt(true), lt(false), cat], 2, 1, 1, &Limits::default()).unwrap();
    assert_eq!((fast.rule, mixed.rule), (Uniform::Lt, Uniform::Mixed));
    let values = [-1.0, -0.5, 0.0, 0.5, 1.0, f64::NAN];
    let data: Vec<f64> = values.iter().flat_map(|&a| values.iter().flat_map(move |&b| [a, b])).collect();
    assert_eq!(fast.predict::<f32>(&data, 2, &[0.0]).unwrap(), mixed.predict::<f32>(&data, 2, &[0.0]).unwrap());
}

#[test]
fn one_row_walks_trees_in_step_and_adds_them_in_tree_order() {
    // 21 trees (two chunks of 8 lanes and a partial one) with leaves whose f32 sum
    // depends on the order they are added: a row alone (trees walked in step)
    // must get exactly what it gets inside a block of rows (rows walked in step).
    let trees: Vec<RawTree> = (0..21)
        .map(|t| {
            let cut = (t as f64 - 10.0) / 7.0;
            let (a, b) = (1e7 * (t as f64 + 1.0).powi(3), 0.1 / (t as f64 + 3.0));
            let nodes = vec![
                split(t % 3, cut, 1, 4, t % 2 == 0, SplitRule::LtNanDefault),
                split((t + 1) % 3, -cut, 2, 3, t % 2 == 1, SplitRule::LtNanDefault),
                leaf(a),
                leaf(-b),
                leaf(b - a / 3.0),
            ];
            RawTree { nodes, target: t % 2 }
        })
        .collect();
    let forest = Forest::new(trees, 3, 2, 1, &Limits::default()).unwrap();
    let data: Vec<f64> =
        (0..64 * 3).map(|i| if i % 17 == 5 { f64::NAN } else { ((i * 53 % 89) as f64 - 44.0) / 20.0 }).collect();
    let base = [0.25f32, -3.5];
    let block = forest.predict::<f32>(&data, 3, &base).unwrap();
    for r in 0..64 {
        let alone = forest.predict::<f32>(&data[r * 3..r * 3 + 3], 3, &base).unwrap();
        assert_eq!(
            alone.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            block[r * 2..r * 2 + 2].iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            "row {r}"
        );
    }
}
