"""Loading a run's three final models: as three full models, or as LoRA adapters over one base.

A run (``helix-train run``) leaves ``RUN_DIR/models/<prefix>_{ascii_specialist,runic_specialist,
coordinator}/final_model/`` (safetensors, tokenizer, chat template).  Two ways to serve them:

``full``
    three ``AutoModelForCausalLM`` — exact, three times the weights.
``lora``
    one shared base and one PEFT LoRA adapter per role, switched per request
    (``PeftModel.set_adapter``).  Where ``final_model/`` holds a PEFT adapter
    (``adapter_config.json``) it is loaded as it is.  Where it holds merged weights (every
    ``helix-train`` run: LoRA is merged at the end of a stage, and ``tiny-cpu`` trains fully), the
    adapter is *extracted*: for every target linear layer the difference to the base is factorised
    with a truncated SVD of rank ``r`` (exact when the model was trained with LoRA of rank ≤ r over
    that base; an approximation otherwise, reported as ``lora_rel_error``).  Parameters outside the
    target layers that differ from the base (embeddings and norms of a fully trained model) are
    kept per role and swapped in on activation; they are counted in the memory report.

The base is ``model.base`` of the run's config: a Hugging Face id / path, or for ``base: tiny`` the
same random initialisation the curriculum started from (``build_tiny_model(seed=training.seed)``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

__all__ = [
    "ROLES",
    "RunModels",
    "System",
    "find_run",
    "human",
    "load_system",
    "qwen3_1_7b_memory",
]

ROLES = ("ascii", "runic", "coordinator")
TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def human(n: float) -> str:
    """``5.1B``, ``3.4M``, ``812K``."""
    for unit, size in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if n >= size:
            return f"{n / size:.2f}{unit}" if n < 10 * size else f"{n / size:.1f}{unit}"
    return str(int(n))


@dataclass
class RunModels:
    """Where a run's final models are, and its resolved config (a dict)."""

    run_dir: Path
    dirs: dict[str, Path]
    config: dict


def find_run(run_dir: str | Path) -> RunModels:
    """The final model folder of each role in ``run_dir``; a clear error when one is missing."""
    run_dir = Path(run_dir)
    config: dict = {}
    cfg_path = run_dir / "config.yaml"
    if cfg_path.exists():
        import yaml

        config = yaml.safe_load(cfg_path.read_text(encoding="utf-8")) or {}
    prefix = (config.get("model") or {}).get("name_prefix")
    dirs = {}
    for role in ROLES:
        suffix = "coordinator" if role == "coordinator" else f"{role}_specialist"
        candidates = ([run_dir / "models" / f"{prefix}_{suffix}" / "final_model"] if prefix else
                      []) + sorted((run_dir / "models").glob(f"*_{suffix}/final_model"))
        found = next((c for c in candidates if c.is_dir()), None)
        if found is None:
            raise FileNotFoundError(
                f"no final model for the {role} role under {run_dir}/models "
                f"(expected models/<prefix>_{suffix}/final_model); train the run first "
                f"(`helix-train run`) or pass the right --run")
        dirs[role] = found
    return RunModels(run_dir, dirs, config)


def _tokenizer(path: Path):
    from transformers import AutoTokenizer
    from trl.chat_template_utils import qwen3_chat_template

    tok = AutoTokenizer.from_pretrained(str(path))
    tok.chat_template = qwen3_chat_template  # the template of training (also saved with the model)
    if tok.pad_token is None:
        tok.pad_token = "<|endoftext|>"
    return tok


def _params(module) -> dict[int, int]:
    return {p.data_ptr(): p.numel() for p in module.parameters()}


@dataclass
class System:
    """The loaded models.  ``model(role)`` gives the module that plays ``role`` (activating its
    adapter in ``lora`` mode; callers serialise requests)."""

    mode: str
    tokenizer: Any
    run: RunModels
    models: dict[str, Any] = field(default_factory=dict)   # full mode
    peft: Any = None                                       # lora mode
    residue: dict[str, dict[str, torch.Tensor]] = field(default_factory=dict)
    base_residue: dict[str, torch.Tensor] = field(default_factory=dict)
    lora_rank: int | None = None
    lora_rel_error: dict[str, float] = field(default_factory=dict)
    active: str | None = None

    def model(self, role: str):
        if self.mode == "full":
            return self.models[role]
        if self.active != role:
            self.peft.set_adapter(role)
            params = dict(self.peft.named_parameters())
            for name, base in self.base_residue.items():
                params[name].data = self.residue[role].get(name, base)
            self.active = role
        return self.peft

    # ------------------------------------------------------------------ parameter accounting
    def report(self) -> dict:
        """Unique and active parameters and bytes, as loaded (shared tensors counted once)."""
        if self.mode == "full":
            per_role = {r: _params(m) for r, m in self.models.items()}
            unique: dict[int, int] = {}
            for d in per_role.values():
                unique.update(d)
            sizes = {r: sum(d.values()) for r, d in per_role.items()}
            active = sizes["coordinator"] + max(sizes["ascii"], sizes["runic"])
            dtype = next(self.models["coordinator"].parameters()).dtype
        else:
            base = sum(p.numel() for n, p in self.peft.named_parameters() if "lora_" not in n)
            adapters = {r: sum(p.numel() for n, p in self.peft.named_parameters()
                               if f".{r}." in n and "lora_" in n) for r in ROLES}
            residue = {r: sum(t.numel() for t in self.residue.get(r, {}).values()) for r in ROLES}
            sizes = {r: base + adapters[r] + residue[r] for r in ROLES}
            unique = {0: base + sum(adapters.values()) + sum(residue.values())}
            active = base + adapters["coordinator"] + max(adapters["ascii"] + residue["ascii"],
                                                          adapters["runic"] + residue["runic"])
            active += residue["coordinator"]
            dtype = next(self.peft.parameters()).dtype
        total = sum(unique.values())
        width = torch.tensor([], dtype=dtype).element_size()
        out = {"mode": self.mode, "dtype": str(dtype).replace("torch.", ""),
               "unique_parameters": total, "active_parameters": active,
               "per_role_parameters": sizes, "unique_bytes": total * width,
               "summary": f"{human(total)} total, {human(active)} active "
                          f"(coordinator + one specialist per routed request)"}
        if self.mode == "lora":
            out.update({"lora_rank": self.lora_rank, "lora_rel_error": self.lora_rel_error,
                        "adapter_parameters": adapters, "residue_parameters": residue})
        return out


def _load_full(path: Path):
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(str(path), dtype=torch.float32).eval()


def _base_model(run: RunModels, tok, base: str | None):
    """The shared base: ``base`` if given, the run's ``model.base``, or the tiny initialisation."""
    model_cfg = run.config.get("model") or {}
    source = base or model_cfg.get("base", "tiny")
    if source == "tiny":
        from helix_train.config import TinyModelConfig
        from helix_train.modeling import build_tiny_model

        shape = TinyModelConfig(**(model_cfg.get("tiny") or {}))
        seed = int((run.config.get("training") or {}).get("seed", 0))
        return build_tiny_model(tok, shape, seed=seed).eval()
    return _load_full(Path(source) if Path(source).exists() else source)


def _extract(base_sd: dict, role_sd: dict, rank: int):
    """LoRA factors ``{module: (A, B)}`` of the target-layer deltas, dense residue of the rest,
    and the relative Frobenius error of the factorisation."""
    factors, residue = {}, {}
    err_num = err_den = 0.0
    for name, w in role_sd.items():
        b = base_sd.get(name)
        if b is None:
            continue
        delta = (w.float() - b.float())
        module = name[:-len(".weight")] if name.endswith(".weight") else None
        if module and module.rsplit(".", 1)[-1] in TARGETS:
            u, s, vh = torch.linalg.svd(delta, full_matrices=False)
            r = min(rank, s.numel())
            B = u[:, :r] * s[:r]
            A = vh[:r]
            factors[module] = (A.contiguous(), B.contiguous())
            err_num += float(torch.linalg.norm(delta - B @ A) ** 2)
            err_den += float(torch.linalg.norm(delta) ** 2)
        elif not torch.equal(w, b):
            residue[name] = w.clone()
    return factors, residue, (err_num / err_den) ** 0.5 if err_den else 0.0


def load_system(run_dir: str | Path, mode: str = "full", *, lora_rank: int | None = None,
                base: str | None = None) -> System:
    """Load a run for serving (``mode``: ``full`` or ``lora``)."""
    if mode not in ("full", "lora"):
        raise ValueError(f"unknown mode `{mode}`; expected full or lora")
    with torch.no_grad():
        return _load_system(run_dir, mode, lora_rank, base)


def _load_system(run_dir, mode: str, lora_rank: int | None, base: str | None) -> System:
    run = find_run(run_dir)
    tok = _tokenizer(run.dirs["coordinator"])
    for role in ("ascii", "runic"):
        other = json.loads((run.dirs[role] / "tokenizer.json").read_text(encoding="utf-8"))
        mine = json.loads((run.dirs["coordinator"] / "tokenizer.json").read_text(encoding="utf-8"))
        if other.get("model") != mine.get("model"):
            raise ValueError(f"the {role} model uses another tokenizer than the coordinator; "
                             f"one system needs one vocabulary")
    if mode == "full":
        return System("full", tok, run, models={r: _load_full(run.dirs[r]) for r in ROLES})

    from peft import LoraConfig, PeftModel, get_peft_model

    lora_cfg = ((run.config.get("training") or {}).get("lora") or {})
    rank = int(lora_rank or lora_cfg.get("r") or 16)
    base_model = _base_model(run, tok, base)
    if all((run.dirs[r] / "adapter_config.json").exists() for r in ROLES):
        peft = PeftModel.from_pretrained(base_model, str(run.dirs[ROLES[0]]), adapter_name=ROLES[0])
        for r in ROLES[1:]:
            peft.load_adapter(str(run.dirs[r]), adapter_name=r)
        return System("lora", tok, run, peft=peft.eval(), lora_rank=rank)
    from safetensors.torch import load_file

    base_sd = {k: v for k, v in base_model.state_dict().items()}
    config = LoraConfig(r=rank, lora_alpha=rank, lora_dropout=0.0, target_modules=list(TARGETS),
                        task_type="CAUSAL_LM")
    peft = get_peft_model(base_model, config, adapter_name=ROLES[0])
    for r in ROLES[1:]:
        peft.add_adapter(r, config)
    system = System("lora", tok, run, peft=peft.eval(), lora_rank=rank)
    modules = dict(peft.named_modules())
    names = {n.replace("base_model.model.", "", 1): n for n, _ in peft.named_parameters()}
    for role in ROLES:
        sd = load_file(str(run.dirs[role] / "model.safetensors"))
        if "lm_head.weight" not in sd and "model.embed_tokens.weight" in sd:
            sd["lm_head.weight"] = sd["model.embed_tokens.weight"]  # tied
        factors, residue, err = _extract(base_sd, sd, rank)
        system.lora_rel_error[role] = round(err, 6)
        for module, (A, B) in factors.items():
            layer = modules["base_model.model." + module]
            r = A.shape[0]
            layer.lora_A[role].weight.data.zero_()
            layer.lora_B[role].weight.data.zero_()
            layer.lora_A[role].weight.data[:r] = A
            layer.lora_B[role].weight.data[:, :r] = B
        mapped = {}
        for name, t in residue.items():
            full = names.get(name.replace(".weight", ".base_layer.weight"), names.get(name))
            if full is not None:
                mapped[full] = t
        system.residue[role] = mapped
    params = dict(peft.named_parameters())
    for role_res in system.residue.values():
        for name in role_res:
            system.base_residue.setdefault(name, params[name].data)
    return system


# ------------------------------------------------------------------ computed: Qwen3-1.7B
QWEN3_1_7B = {"vocab_size": 151936, "hidden_size": 2048, "intermediate_size": 6144,
              "num_hidden_layers": 28, "num_attention_heads": 16, "num_key_value_heads": 8,
              "head_dim": 128, "tie_word_embeddings": True}


def qwen3_1_7b_memory(rank: int = 16, bytes_per_param: int = 2) -> dict:
    """Computed (not measured) parameters and bf16 weight memory of the two loading modes for
    three Qwen3-1.7B models (config of ``Qwen/Qwen3-1.7B``)."""
    c = QWEN3_1_7B
    h, i, L = c["hidden_size"], c["intermediate_size"], c["num_hidden_layers"]
    q = c["num_attention_heads"] * c["head_dim"]
    kv = c["num_key_value_heads"] * c["head_dim"]
    attn = h * q + 2 * h * kv + q * h + 2 * c["head_dim"]      # + q/k norms
    mlp = 3 * h * i
    layer = attn + mlp + 2 * h
    embed = c["vocab_size"] * h
    total = embed * (1 if c["tie_word_embeddings"] else 2) + L * layer + h
    lora_layer = rank * ((h + q) + 2 * (h + kv) + (q + h) + 2 * (h + i) + (i + h))
    adapter = L * lora_layer
    gib = 1024 ** 3
    return {
        "model_parameters": total, "adapter_parameters": adapter, "rank": rank,
        "full": {"unique": 3 * total, "active": 2 * total,
                 "weights_gib": round(3 * total * bytes_per_param / gib, 2)},
        "lora": {"unique": total + 3 * adapter, "active": total + 2 * adapter,
                 "weights_gib": round((total + 3 * adapter) * bytes_per_param / gib, 2)},
    }
