package dev.agentbus.actors.policy;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.values.NullValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A fast path for the common, well-typed part of CEL: a rule's checked AST turned once into a small tree of
 * Java nodes that reads the same variable maps. It only answers when it is sure; whenever a value is not of
 * the simple kind it knows (a mixed int and double comparison, an error such as a missing map key, a
 * non-bool condition, a loop past the iteration limit, ...) it gives up ({@link #UNSURE}) and the rule is
 * evaluated by its CEL program, as before. So a verdict never differs from CEL's; only the cost does.
 *
 * <p>Supported: constants (bool, int, double, string), the five variables and comprehension variables,
 * field selection and {@code has()} on maps, {@code &&}, {@code ||}, {@code !}, {@code ?:}, {@code ==},
 * {@code !=}, {@code <}, {@code <=}, {@code >}, {@code >=} on same-kind values, {@code in} (lists and
 * maps), {@code size}, {@code contains}, {@code startsWith}, {@code endsWith}, optional selection
 * {@code a.?b} and {@code orValue}, list literals, and the comprehensions of the standard macros
 * ({@code all}, {@code exists}, {@code exists_one}, {@code cel.bind}). A rule using anything else is
 * always evaluated by CEL ({@link #compile} gives empty).
 */
final class FastRule {

  /** The fast path cannot decide: evaluate with CEL. */
  static final Object UNSURE = new Object();

  /** The variables, in the order of {@link Frame#Frame(Object[]) a frame's values}. */
  static final List<String> VARIABLES = List.of("message", "sender", "recipient", "context", "bundle");

  /** The value of variable {@code name} in {@code inputs}, or null when there is no such variable. */
  static Object variable(DecisionInputs inputs, String name) {
    int i = VARIABLES.indexOf(name);
    return i < 0 ? null : inputs.variable(i);
  }

  /** One node; returns a value or {@link #UNSURE}. */
  @FunctionalInterface
  interface Node {
    Object eval(Frame f);
  }

  /**
   * One evaluation of one rule: the variables, the comprehension variables in scope (innermost first), and
   * the loop iterations so far (CEL counts them per evaluation).
   */
  static final class Frame {
    final DecisionInputs inputs;
    final String name;
    Object value;
    final Frame outer;
    private final int[] iterations;

    /** @param inputs the decision's variables */
    Frame(DecisionInputs inputs) {
      this(inputs, null, null, null, new int[1]);
    }

    private Frame(DecisionInputs inputs, String name, Object value, Frame outer, int[] iterations) {
      this.inputs = inputs;
      this.name = name;
      this.value = value;
      this.outer = outer;
      this.iterations = iterations;
    }

    Frame with(String n, Object v) {
      return new Frame(inputs, n, v, this, iterations);
    }

    /** Before each rule: CEL counts loop iterations per evaluation. */
    Frame reset() {
      iterations[0] = 0;
      return this;
    }

    Object variable(int slot) {
      return inputs.variable(slot);
    }

    /** A field of a variable, by {@link DecisionInputs#fieldId}: its value or {@link DecisionInputs#ABSENT}. */
    Object field(int id) {
      return inputs.field(id);
    }

    /** Counts {@code n} more iterations; false when that could reach CEL's limit (then CEL decides). */
    boolean iterate(int n, int limit) {
      iterations[0] += n;
      return iterations[0] < limit;
    }

    /** The comprehension variable {@code depth} frames out (0: this frame's). */
    Object at(int depth) {
      Frame f = this;
      for (int i = 0; i < depth; i++) f = f.outer;
      return f.value;
    }
  }

  private static final class Unsupported extends Exception {
    private static final long serialVersionUID = 1L;

    Unsupported() {
      super(null, null, false, false);
    }
  }

  private final int maxIterations;

  private FastRule(int maxIterations) {
    this.maxIterations = maxIterations;
  }

  /** The rule's fast path, or empty when it uses something the fast path does not support. */
  static Optional<Node> compile(CelAbstractSyntaxTree ast, int maxIterations) {
    try {
      return Optional.of(new FastRule(maxIterations).node(ast.getExpr(), List.of()));
    } catch (Unsupported | RuntimeException e) {
      return Optional.empty();
    }
  }

  private Node node(CelExpr e, List<String> scope) throws Unsupported {
    switch (e.getKind()) {
      case CONSTANT: {
        Object c = constant(e.constant());
        return f -> c;
      }
      case IDENT: {
        String name = e.ident().name();
        int depth = scope.indexOf(name);
        // a comprehension variable: its frame is depth frames out (scope lists them innermost first)
        if (depth >= 0) return f -> f.at(depth);
        int slot = VARIABLES.indexOf(name);
        if (slot < 0) throw new Unsupported();
        return f -> f.variable(slot);
      }
      case SELECT:
        return select(e.select(), scope);
      case CALL:
        return call(e.call(), scope);
      case LIST:
        return list(e.list(), scope);
      case COMPREHENSION:
        return comprehension(e.comprehension(), scope);
      default:
        throw new Unsupported();
    }
  }

  private static Object constant(CelConstant c) throws Unsupported {
    switch (c.getKind()) {
      case BOOLEAN_VALUE:
        return c.booleanValue();
      case INT64_VALUE:
        return c.int64Value();
      case DOUBLE_VALUE:
        return c.doubleValue();
      case STRING_VALUE:
        return c.stringValue();
      default:
        throw new Unsupported();
    }
  }

  /** The variable slot {@code e} names (not shadowed by a comprehension variable), or -1. */
  private static int rootVariable(CelExpr e, List<String> scope) {
    if (e.getKind() != CelExpr.ExprKind.Kind.IDENT) return -1;
    String name = e.ident().name();
    return scope.contains(name) ? -1 : VARIABLES.indexOf(name);
  }

  private Node select(CelExpr.CelSelect s, List<String> scope) throws Unsupported {
    String field = s.field();
    int root = rootVariable(s.operand(), scope);
    if (root >= 0 && root != DecisionInputs.BUNDLE) {
      // a field of message, sender, recipient or context: read (and computed) alone, no map
      int id = DecisionInputs.fieldId(root, field);
      if (s.testOnly()) {
        if (id < 0) return f -> false;
        return f -> f.field(id) != DecisionInputs.ABSENT;
      }
      if (id < 0) return f -> UNSURE;
      return f -> {
        Object v = f.field(id);
        return v == DecisionInputs.ABSENT ? UNSURE : v;
      };
    }
    Node operand = node(s.operand(), scope);
    if (s.testOnly()) {
      return f -> operand.eval(f) instanceof Map<?, ?> m ? (Object) m.containsKey(field) : UNSURE;
    }
    return f -> {
      if (!(operand.eval(f) instanceof Map<?, ?> m)) return UNSURE;
      Object v = m.get(field);
      return v == null ? UNSURE : v;
    };
  }

  private Node list(CelExpr.CelList l, List<String> scope) throws Unsupported {
    if (!l.optionalIndices().isEmpty()) throw new Unsupported();
    List<Node> elements = new ArrayList<>();
    for (CelExpr x : l.elements()) elements.add(node(x, scope));
    Node[] nodes = elements.toArray(Node[]::new);
    return f -> {
      List<Object> out = new ArrayList<>(nodes.length);
      for (Node n : nodes) {
        Object v = n.eval(f);
        if (v == UNSURE) return UNSURE;
        out.add(v);
      }
      return out;
    };
  }

  private Node comprehension(CelExpr.CelComprehension c, List<String> scope) throws Unsupported {
    if (!c.iterVar2().isEmpty()) throw new Unsupported();
    Node range = node(c.iterRange(), scope);
    Node init = node(c.accuInit(), scope);
    // the frames the loop evaluates in: the iteration variable's, in the accumulator's, in the caller's
    List<String> inner = new ArrayList<>(scope.size() + 2);
    inner.add(c.iterVar());
    inner.add(c.accuVar());
    inner.addAll(scope);
    Node condition = node(c.loopCondition(), inner);
    Node step = node(c.loopStep(), inner);
    List<String> after = new ArrayList<>(scope.size() + 1);
    after.add(c.accuVar());
    after.addAll(scope);
    Node result = node(c.result(), after);
    String iterVar = c.iterVar();
    String accuVar = c.accuVar();
    int limit = maxIterations;
    return f -> {
      Object r = range.eval(f);
      List<?> items;
      if (r instanceof List<?> list) items = list;
      else if (r instanceof Map<?, ?> map) items = new ArrayList<>(map.keySet());
      else return UNSURE;
      if (!f.iterate(items.size(), limit)) return UNSURE;
      Object accu = init.eval(f);
      if (accu == UNSURE) return UNSURE;
      Frame accuFrame = f.with(accuVar, accu);
      Frame iterFrame = accuFrame.with(iterVar, null);
      for (Object item : items) {
        iterFrame.value = item;
        Object go = condition.eval(iterFrame);
        if (!(go instanceof Boolean b)) return UNSURE;
        if (!b) break;
        accu = step.eval(iterFrame);
        if (accu == UNSURE) return UNSURE;
        accuFrame.value = accu;
      }
      return result.eval(accuFrame);
    };
  }

  /** {@code x.?f.orValue(d)} as one node, without the Optional in between; null when the shape differs. */
  private Node orValueOfSelect(CelExpr.CelCall c, List<String> scope) throws Unsupported {
    if (!c.function().equals("orValue") || c.args().size() != 1 || c.target().isEmpty()) return null;
    CelExpr t = c.target().get();
    if (t.getKind() != CelExpr.ExprKind.Kind.CALL) return null;
    CelExpr.CelCall sel = t.call();
    if (!sel.function().equals("_?._") || sel.target().isPresent() || sel.args().size() != 2) return null;
    CelExpr name = sel.args().get(1);
    if (name.getKind() != CelExpr.ExprKind.Kind.CONSTANT
        || name.constant().getKind() != CelConstant.Kind.STRING_VALUE) {
      return null;
    }
    String field = name.constant().stringValue();
    Node fallback = node(c.args().get(0), scope);
    int root = rootVariable(sel.args().get(0), scope);
    if (root >= 0 && root != DecisionInputs.BUNDLE) {
      int id = DecisionInputs.fieldId(root, field);
      if (id < 0) return fallback;
      return f -> {
        Object v = f.field(id);
        return v == DecisionInputs.ABSENT ? fallback.eval(f) : v;
      };
    }
    Node operand = node(sel.args().get(0), scope);
    return f -> {
      Object base = operand.eval(f);
      if (base instanceof Optional<?> opt) {
        if (opt.isEmpty()) return fallback.eval(f);
        base = opt.get();
      }
      if (!(base instanceof Map<?, ?> m)) return UNSURE;
      Object v = m.get(field);
      return v == null ? fallback.eval(f) : v;
    };
  }

  private Node call(CelExpr.CelCall c, List<String> scope) throws Unsupported {
    Node fused = orValueOfSelect(c, scope);
    if (fused != null) return fused;
    List<CelExpr> args = c.args();
    Node target = c.target().isPresent() ? node(c.target().get(), scope) : null;
    String fn = c.function();
    if (target != null) {
      if (args.size() != 1) throw new Unsupported();
      Node arg = node(args.get(0), scope);
      switch (fn) {
        case "contains":
        case "startsWith":
        case "endsWith": {
          Object lit = constantOf(args.get(0));
          if (lit instanceof String k) {
            // a literal argument (the usual case): one node, no call through a function object
            switch (fn) {
              case "contains":
                return f -> target.eval(f) instanceof String s ? (Object) s.contains(k) : UNSURE;
              case "startsWith":
                return f -> target.eval(f) instanceof String s ? (Object) s.startsWith(k) : UNSURE;
              default:
                return f -> target.eval(f) instanceof String s ? (Object) s.endsWith(k) : UNSURE;
            }
          }
          return strings(target, arg, fn.equals("contains") ? String::contains
              : fn.equals("startsWith") ? String::startsWith : String::endsWith);
        }
        case "orValue":
          return f -> {
            Object o = target.eval(f);
            if (!(o instanceof Optional<?> opt)) return UNSURE;
            return opt.isPresent() ? opt.get() : arg.eval(f);
          };
        default:
          throw new Unsupported();
      }
    }
    switch (fn) {
      case "_&&_":
        return and(node(args.get(0), scope), node(args.get(1), scope));
      case "_||_":
        return or(node(args.get(0), scope), node(args.get(1), scope));
      case "!_": {
        Node a = node(args.get(0), scope);
        return f -> a.eval(f) instanceof Boolean b ? (Object) !b : UNSURE;
      }
      case "@not_strictly_false": {
        // inside macros: true unless the condition is false; an error is not false, but we leave errors to CEL
        Node a = node(args.get(0), scope);
        return f -> a.eval(f) instanceof Boolean b ? b : UNSURE;
      }
      case "_?_:_": {
        Node cond = node(args.get(0), scope);
        Node yes = node(args.get(1), scope);
        Node no = node(args.get(2), scope);
        return f -> cond.eval(f) instanceof Boolean b ? (b ? yes.eval(f) : no.eval(f)) : UNSURE;
      }
      case "_==_": {
        Node a = node(args.get(0), scope);
        Object lit = constantOf(args.get(1));
        if (lit != null) return f -> equal(a.eval(f), lit);
        Node b = node(args.get(1), scope);
        return f -> equal(a.eval(f), b.eval(f));
      }
      case "_!=_": {
        Node a = node(args.get(0), scope);
        Object lit = constantOf(args.get(1));
        if (lit != null) {
          return f -> {
            Object eq = equal(a.eval(f), lit);
            return eq instanceof Boolean x ? (Object) !x : UNSURE;
          };
        }
        Node b = node(args.get(1), scope);
        return f -> {
          Object eq = equal(a.eval(f), b.eval(f));
          return eq instanceof Boolean x ? (Object) !x : UNSURE;
        };
      }
      case "_<_":
        return compare(args, scope, LT);
      case "_<=_":
        return compare(args, scope, LE);
      case "_>_":
        return compare(args, scope, GT);
      case "_>=_":
        return compare(args, scope, GE);
      case "@in": {
        Node container = node(args.get(1), scope);
        Object lit = constantOf(args.get(0));
        if (lit != null) return f -> in(lit, container.eval(f));
        Node elem = node(args.get(0), scope);
        return f -> in(elem.eval(f), container.eval(f));
      }
      case "size": {
        Node a = node(args.get(0), scope);
        return f -> size(a.eval(f));
      }
      case "_?._": {
        Node operand = node(args.get(0), scope);
        if (args.get(1).getKind() != CelExpr.ExprKind.Kind.CONSTANT
            || args.get(1).constant().getKind() != CelConstant.Kind.STRING_VALUE) {
          throw new Unsupported();
        }
        String field = args.get(1).constant().stringValue();
        int root = rootVariable(args.get(0), scope);
        if (root >= 0 && root != DecisionInputs.BUNDLE) {
          int id = DecisionInputs.fieldId(root, field);
          if (id < 0) return f -> Optional.empty();
          return f -> {
            Object v = f.field(id);
            return v == DecisionInputs.ABSENT ? Optional.empty() : Optional.of(v);
          };
        }
        return f -> optionalSelect(operand.eval(f), field);
      }
      default:
        throw new Unsupported();
    }
  }

  @FunctionalInterface
  private interface StringTest {
    boolean test(String receiver, String arg);
  }

  private static Node strings(Node target, Node arg, StringTest test) {
    return f -> target.eval(f) instanceof String s && arg.eval(f) instanceof String a ? (Object) test.test(s, a) : UNSURE;
  }

  private static Node and(Node left, Node right) {
    return f -> {
      Object l = left.eval(f);
      if (!(l instanceof Boolean lb)) return UNSURE;
      if (!lb) return false;
      Object r = right.eval(f);
      return r instanceof Boolean ? r : UNSURE;
    };
  }

  private static Node or(Node left, Node right) {
    return f -> {
      Object l = left.eval(f);
      if (!(l instanceof Boolean lb)) return UNSURE;
      if (lb) return true;
      Object r = right.eval(f);
      return r instanceof Boolean ? r : UNSURE;
    };
  }

  /** Equality of two values of the same simple kind; anything else (mixed kinds, lists, maps) is UNSURE. */
  static Object equal(Object a, Object b) {
    if (a == UNSURE || b == UNSURE) return UNSURE;
    if (a instanceof String x && b instanceof String y) return x.equals(y);
    if (a instanceof Long x && b instanceof Long y) return x.longValue() == y.longValue();
    if (a instanceof Boolean x && b instanceof Boolean y) return x.booleanValue() == y.booleanValue();
    if (a instanceof Double x && b instanceof Double y) return x.doubleValue() == y.doubleValue();
    if (a == NullValue.NULL_VALUE && b == NullValue.NULL_VALUE) return true;
    return UNSURE;
  }

  private static final int LT = 0;
  private static final int LE = 1;
  private static final int GT = 2;
  private static final int GE = 3;

  private static boolean holds(int op, int comparison) {
    switch (op) {
      case LT: return comparison < 0;
      case LE: return comparison <= 0;
      case GT: return comparison > 0;
      default: return comparison >= 0;
    }
  }

  private Node compare(List<CelExpr> args, List<String> scope, int op) throws Unsupported {
    Node left = node(args.get(0), scope);
    Object c = constantOf(args.get(1));
    if (c != null) return f -> compare(left.eval(f), c, op);
    Node right = node(args.get(1), scope);
    return f -> compare(left.eval(f), right.eval(f), op);
  }

  private static Object compare(Object a, Object b, int op) {
    if (a instanceof Long x && b instanceof Long y) return holds(op, Long.compare(x, y));
    if (a instanceof Double x && b instanceof Double y && !x.isNaN() && !y.isNaN()) {
      double dx = x;
      double dy = y;
      // not Double.compare: CEL, like Java's operators, has -0.0 == 0.0
      return holds(op, dx < dy ? -1 : (dx > dy ? 1 : 0));
    }
    return UNSURE;
  }

  /** The value of a literal (bool, int, double, string), or null when {@code e} is not one. */
  private static Object constantOf(CelExpr e) {
    if (e.getKind() != CelExpr.ExprKind.Kind.CONSTANT) return null;
    try {
      return constant(e.constant());
    } catch (Unsupported x) {
      return null;
    }
  }

  private static Object in(Object elem, Object container) {
    if (elem == UNSURE || container == UNSURE) return UNSURE;
    if (container instanceof List<?> list) {
      for (Object x : list) {
        Object eq = equal(elem, x);
        if (eq == UNSURE) return UNSURE;
        if ((Boolean) eq) return true;
      }
      return false;
    }
    if (container instanceof Map<?, ?> map && elem instanceof String key) return map.containsKey(key);
    return UNSURE;
  }

  private static Object size(Object v) {
    if (v instanceof String s) return (long) s.codePointCount(0, s.length());
    if (v instanceof List<?> l) return (long) l.size();
    if (v instanceof Map<?, ?> m) return (long) m.size();
    return UNSURE;
  }

  private static Object optionalSelect(Object operand, String field) {
    Object base = operand;
    if (base instanceof Optional<?> opt) {
      if (opt.isEmpty()) return opt;
      base = opt.get();
    }
    if (!(base instanceof Map<?, ?> m)) return UNSURE;
    Object v = m.get(field);
    return v == null ? Optional.empty() : Optional.of(v);
  }
}
