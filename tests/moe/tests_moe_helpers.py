"""Helpers shared by the helix_moe tests (a unique module name: tests/ is on the path, and
``conftest`` is not importable by name when several test folders have one)."""

import random

SHAPE = {"hidden_size": 48, "intermediate_size": 96, "num_hidden_layers": 2,
         "num_attention_heads": 2, "num_key_value_heads": 1, "max_position_embeddings": 512,
         "tie_word_embeddings": True}
PREFIX = "tiny"
VALUES = ['[1, 2]', '{C:14,0=123}', '"hello"', 'TRUE', '{k: 5}', '[⟁a]', '∅', '07 0e 01 00']
FORMATS = {"runic": ["LC-R", "HLX"], "ascii": ["LC-T", "HLXL"], "coordinator": ["LC-B hex"]}
TEMPLATES = ["Convert this value to {fmt}: {v}", "Rewrite {v} in canonical {fmt}.",
             "Translate the following into {fmt}. {v}", "What is {v} as {fmt}?"]


def synthetic_requests(seed: int, n: int) -> list[tuple[str, str]]:
    """(request, route) pairs: the named target format decides, as ``route_of``'s format rule."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        role = rng.choice(list(FORMATS))
        if role == "coordinator" and rng.random() < 0.5:
            req = rng.choice(["Contract 22 is called what?", "LC-B byte `0a` is which tag?",
                              "Name the tag of byte 05.", "What does 08 end?"])
        else:
            req = rng.choice(TEMPLATES).format(fmt=rng.choice(FORMATS[role]), v=rng.choice(VALUES))
        out.append((req, role))
    return out


def train_coordinator(model, tok, pairs, steps: int = 400, lr: float = 3e-3):
    import torch

    from helix_moe.constrained import encode_prompt
    from helix_moe.routing import route_messages

    seqs = []
    for req, role in pairs:
        p = encode_prompt(tok, route_messages(req))
        c = tok(role, add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
        seqs.append((p, c))
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    model.train()
    rng = random.Random(0)
    for _ in range(steps):
        batch = rng.sample(seqs, 16)
        width = max(len(p) + len(c) for p, c in batch)
        ids = [p + c + [tok.pad_token_id] * (width - len(p) - len(c)) for p, c in batch]
        labels = [[-100] * len(p) + c + [-100] * (width - len(p) - len(c)) for p, c in batch]
        att = [[1] * (len(p) + len(c)) + [0] * (width - len(p) - len(c)) for p, c in batch]
        out = model(input_ids=torch.tensor(ids), attention_mask=torch.tensor(att),
                    labels=torch.tensor(labels))
        opt.zero_grad()
        out.loss.backward()
        opt.step()
    model.eval()
    return float(out.loss.detach())




def held_out():
    """Requests the coordinator was not trained on (another seed)."""
    return synthetic_requests(7, 40)
