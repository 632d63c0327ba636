"""NN501-NN503 on the cases their fixtures do not isolate: every import spelling of the grad
switches, optimizers and schedulers reached through helpers and wrappers, models passed to
helpers under other names, and near-misses that must stay silent.

Sources mark each expected finding with `# expect: CODE`; every unmarked line must stay silent.
"""

from __future__ import annotations

import textwrap

import pytest

from helpers import codes, expected_markers, lint


def check(source: str, select: str) -> None:
    """The findings of `select` on `source` are exactly its `# expect:` markers."""
    text = textwrap.dedent(source)
    expected = sorted(m for m in expected_markers(text) if m[1].startswith(select))
    assert sorted(codes(text, select)) == expected


# ============================================================================================
# NN501 missing-zero-grad: import forms


def test_nn501_import_torch():
    check("""
    import torch

    net = torch.nn.Linear(8, 1)
    sgd = torch.optim.SGD(net.parameters(), lr=0.01)
    for x, y in loader:  # expect: NN501
        loss = torch.nn.functional.mse_loss(net(x), y)
        loss.backward()
        sgd.step()
    """, "NN501")


def test_nn501_import_torch_as_alias():
    check("""
    import torch as T

    net = T.nn.Linear(8, 1)
    adam = T.optim.Adam(net.parameters(), lr=1e-3)
    for x, y in loader:  # expect: NN501
        T.nn.functional.mse_loss(net(x), y).backward()
        adam.step()

    for x, y in loader:
        adam.zero_grad()
        T.nn.functional.mse_loss(net(x), y).backward()
        adam.step()
    """, "NN501")


def test_nn501_from_torch_import_nn_optim():
    check("""
    from torch import nn, optim

    net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
    rms = optim.RMSprop(net.parameters(), lr=1e-3)
    criterion = nn.MSELoss()
    for epoch in range(10):
        for x, y in loader:  # expect: NN501
            criterion(net(x), y).backward()
            rms.step()
    """, "NN501")


def test_nn501_report_is_on_the_loop_header_line():
    source = textwrap.dedent("""
    import torch

    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in zip(
        train_x,
        train_y,
    ):
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
    """)
    assert codes(source, "NN501") == [(5, "NN501")]


# ============================================================================================
# NN501: what counts as an optimizer step


def test_nn501_optimizer_made_by_a_helper():
    check("""
    import torch

    def make_optimizer(model):
        return torch.optim.Adam(model.parameters(), lr=3e-4)

    solver = make_optimizer(net)
    for x, y in loader:  # expect: NN501
        criterion(net(x), y).backward()
        solver.step()
    """, "NN501")


def test_nn501_grad_scaler_step():
    check("""
    import torch

    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    amp_scaler = torch.cuda.amp.GradScaler()
    for x, y in loader:  # expect: NN501
        with torch.autocast("cuda"):
            loss = criterion(model(x), y)
        amp_scaler.scale(loss).backward()
        amp_scaler.step(optimizer)
        amp_scaler.update()
    """, "NN501")


def test_nn501_grad_scaler_under_an_unusual_name():
    check("""
    import torch

    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    gs = torch.amp.GradScaler("cuda")
    for x, y in loader:  # expect: NN501
        with torch.autocast("cuda"):
            loss = criterion(model(x), y)
        gs.scale(loss).backward()
        gs.step(optimizer)
        gs.update()
    """, "NN501")


def test_nn501_grad_scaler_with_zero_grad_is_silent():
    check("""
    import torch

    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    scaler = torch.cuda.amp.GradScaler()
    for x, y in loader:
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cuda"):
            loss = criterion(model(x), y)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
    """, "NN501")


def test_nn501_xla_optimizer_step():
    check("""
    import torch
    import torch_xla.core.xla_model as xm

    device = xm.xla_device()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in loader:  # expect: NN501
        loss = criterion(model(x.to(device)), y.to(device))
        loss.backward()
        xm.optimizer_step(optimizer)

    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x.to(device)), y.to(device))
        loss.backward()
        xm.optimizer_step(optimizer)
    """, "NN501")


def test_nn501_lbfgs_closure_with_zero_grad_is_silent():
    check("""
    import torch

    optimizer = torch.optim.LBFGS(model.parameters(), lr=1.0)
    for x, y in loader:
        def closure():
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            return loss
        optimizer.step(closure)
    """, "NN501")


def test_nn501_lbfgs_closure_without_zero_grad():
    check("""
    import torch

    optimizer = torch.optim.LBFGS(model.parameters(), lr=1.0)
    for x, y in loader:  # expect: NN501
        def closure():
            loss = criterion(model(x), y)
            loss.backward()
            return loss
        optimizer.step(closure)
    """, "NN501")


def test_nn501_scheduler_step_is_not_an_optimizer_step():
    check("""
    import torch

    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=30)
    optim_schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=100)
    optimizer.zero_grad()
    for x, y in loader:
        criterion(model(x), y).backward()
        scheduler.step()
        optim_schedule.step()
    optimizer.step()
    """, "NN501")


def test_nn501_env_step_is_not_an_optimizer_step():
    check("""
    import torch

    state = env.reset()
    log_probs = []
    while True:
        probs = policy(torch.as_tensor(state))
        action = probs.multinomial(1)
        log_probs.append(probs.log()[action])
        state, reward, done, _ = env.step(action.item())
        (-reward * log_probs[-1]).backward()
        if done:
            break
    """, "NN501")


# ============================================================================================
# NN501: other ways to clear the gradients


def test_nn501_grad_set_to_none_per_parameter_is_silent():
    check("""
    import torch

    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in loader:
        for p in model.parameters():
            p.grad = None
        criterion(model(x), y).backward()
        optimizer.step()
    """, "NN501")


def test_nn501_grad_zeroed_in_place_is_silent():
    check("""
    import torch

    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in loader:
        for p in model.parameters():
            if p.grad is not None:
                p.grad.zero_()
        criterion(model(x), y).backward()
        optimizer.step()

    for x, y in loader:
        for p in model.parameters():
            if p.grad is not None:
                p.grad.data.zero_()
        criterion(model(x), y).backward()
        optimizer.step()
    """, "NN501")


def test_nn501_model_zero_grad_is_silent():
    check("""
    import torch

    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in loader:
        model.zero_grad()
        criterion(model(x), y).backward()
        optimizer.step()
    """, "NN501")


def test_nn501_zero_grad_in_a_helper_is_silent():
    check("""
    import torch

    def reset_gradients(opt):
        opt.zero_grad(set_to_none=True)

    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in loader:
        reset_gradients(optimizer)
        criterion(model(x), y).backward()
        optimizer.step()
    """, "NN501")


def test_nn501_step_in_a_loop_free_helper_fires_on_the_calling_loop():
    check("""
    import torch

    model = torch.nn.Linear(4, 2)
    optimizer = torch.optim.Adam(model.parameters())

    def train_step(batch):
        x, y = batch
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    for batch in loader:  # expect: NN501
        train_step(batch)
    """, "NN501")


def test_nn501_step_in_a_helper_with_zero_grad_is_silent():
    check("""
    import torch

    model = torch.nn.Linear(4, 2)
    optimizer = torch.optim.Adam(model.parameters())

    def train_step(batch):
        x, y = batch
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    for batch in loader:
        train_step(batch)
    """, "NN501")


# ============================================================================================
# NN501: which loop is reported


def test_nn501_nested_loops_report_only_the_innermost_once():
    check("""
    import torch

    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for run in range(3):
        for epoch in range(100):
            for x, y in loader:  # expect: NN501
                criterion(model(x), y).backward()
                optimizer.step()
    """, "NN501")


def test_nn501_backward_in_inner_loop_step_in_outer_loop():
    # The inner loop only accumulates (silent); the epoch loop steps every epoch and never clears.
    check("""
    import torch

    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(100):  # expect: NN501
        for x, y in loader:
            (criterion(model(x), y) / len(loader)).backward()
        optimizer.step()
    """, "NN501")


def test_nn501_while_true_loop():
    check("""
    import torch

    optimizer = torch.optim.Adam(model.parameters())
    it = iter(loader)
    while True:  # expect: NN501
        try:
            x, y = next(it)
        except StopIteration:
            break
        criterion(model(x), y).backward()
        optimizer.step()

    while True:
        optimizer.zero_grad()
        criterion(model(x), y).backward()
        optimizer.step()
        if done():
            break
    """, "NN501")


def test_nn501_loop_inside_a_function_and_a_method():
    check("""
    import torch
    from torch import nn

    def fit(model, loader, opt):
        for x, y in loader:  # expect: NN501
            nn.functional.l1_loss(model(x), y).backward()
            opt.step()

    class Trainer:
        def __init__(self, model):
            self.model = model
            self.optimizer = torch.optim.Adam(model.parameters())

        def run(self, loader):
            for x, y in loader:  # expect: NN501
                nn.functional.l1_loss(self.model(x), y).backward()
                self.optimizer.step()
    """, "NN501")


def test_nn501_other_backward_spellings():
    check("""
    import torch
    from accelerate import Accelerator

    accelerator = Accelerator()
    for batch in loader:  # expect: NN501
        loss = criterion(model(batch["x"]), batch["y"])
        accelerator.backward(loss)
        optimizer.step()

    for x, y in loader:  # expect: NN501
        torch.autograd.backward(criterion(model(x), y))
        optimizer.step()

    for batch in loader:
        optimizer.zero_grad()
        accelerator.backward(criterion(model(batch["x"]), batch["y"]))
        optimizer.step()
    """, "NN501")


def test_nn501_zero_grad_in_a_helper_with_its_own_loop_is_silent():
    check("""
    import torch

    def clear_gradients(modules):
        for m in modules:
            m.zero_grad()

    optimizer = torch.optim.SGD(list(encoder.parameters()) + list(decoder.parameters()), lr=0.1)
    for x in loader:
        clear_gradients([encoder, decoder])
        criterion(decoder(encoder(x)), x).backward()
        optimizer.step()
    """, "NN501")


def test_nn501_helper_with_its_own_loop_is_reported_there_not_in_the_caller():
    check("""
    import torch

    def train_epoch(model, loader, optimizer):
        for x, y in loader:  # expect: NN501
            criterion(model(x), y).backward()
            optimizer.step()

    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(30):
        train_epoch(model, loader, optimizer)
    """, "NN501")


def test_nn501_zero_grad_of_any_optimizer_in_the_loop_is_enough():
    # The catalog keeps a loop silent "when zero_grad is called in the loop at all".
    check("""
    import torch

    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4)
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4)
    for real in loader:
        opt_d.zero_grad()
        d_loss(D(real), D(G(z).detach())).backward()
        opt_d.step()
        g_loss(D(G(z))).backward()
        opt_g.step()
    """, "NN501")


def test_nn501_step_and_zero_grad_in_methods_of_a_trainer():
    check("""
    import torch

    class Trainer:
        def __init__(self, model):
            self.model = model
            self.optimizer = torch.optim.Adam(model.parameters())

        def train_step(self, x, y):
            loss = self.criterion(self.model(x), y)
            loss.backward()
            self.optimizer.step()
            return loss.item()

        def fit(self, loader):
            for x, y in loader:  # expect: NN501
                self.train_step(x, y)

    class CleanTrainer(Trainer):
        def reset(self):
            self.optimizer.zero_grad()

        def fit(self, loader):
            for x, y in loader:
                self.reset()
                self.train_step(x, y)
    """, "NN501")


def test_nn501_third_party_optimizer_class():
    check("""
    import torch
    from transformers import AdamW

    optimizer = AdamW(model.parameters(), lr=2e-5)
    for batch in loader:  # expect: NN501
        loss = model(**batch).loss
        loss.backward()
        optimizer.step()
    """, "NN501")


def test_nn501_optimizer_subclass_defined_in_the_module():
    check("""
    import torch

    class SignSGD(torch.optim.Optimizer):
        def __init__(self, params, lr=0.01):
            super().__init__(params, {"lr": lr})

        @torch.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    p.add_(p.grad.sign(), alpha=-group["lr"])

    optimizer = SignSGD(model.parameters())
    for x, y in loader:  # expect: NN501
        criterion(model(x), y).backward()
        optimizer.step()
    """, "NN501")


# ============================================================================================
# NN502 train-mode-not-restored


def test_nn502_eval_in_a_loop_free_validation_helper_under_another_name():
    check("""
    import torch
    import torch.nn.functional as F

    def validation_loss(net, xs, ys):
        net.eval()  # expect: NN502
        with torch.no_grad():
            return F.mse_loss(net(xs), ys).item()

    model = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.Dropout(0.2), torch.nn.Linear(32, 1))
    optimizer = torch.optim.Adam(model.parameters())
    for epoch in range(50):
        for x, y in train_loader:
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()
        print(epoch, validation_loss(model, val_x, val_y))
    """, "NN502")


def test_nn502_eval_in_helper_passed_by_keyword():
    check("""
    import torch
    import torch.nn.functional as F

    def validation_loss(xs, ys, net):
        net.eval()  # expect: NN502
        with torch.no_grad():
            return F.mse_loss(net(xs), ys).item()

    model = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.Dropout(0.2), torch.nn.Linear(32, 1))
    optimizer = torch.optim.Adam(model.parameters())
    for epoch in range(50):
        for x, y in train_loader:
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()
        print(epoch, validation_loss(xs=val_x, ys=val_y, net=model))
    """, "NN502")


def test_nn502_eval_in_helper_restored_in_the_loop_is_silent():
    check("""
    import torch
    import torch.nn.functional as F

    def validation_loss(net, xs, ys):
        net.eval()
        with torch.no_grad():
            return F.mse_loss(net(xs), ys).item()

    model = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.Dropout(0.2), torch.nn.Linear(32, 1))
    optimizer = torch.optim.Adam(model.parameters())
    for epoch in range(50):
        model.train()
        for x, y in train_loader:
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()
        print(epoch, validation_loss(model, val_x, val_y))
    """, "NN502")


def test_nn502_eval_in_a_validation_helper_with_its_own_loop():
    check("""
    import torch
    import torch.nn.functional as F

    def run_validation(net, loader):
        net.eval()  # expect: NN502
        total = 0.0
        with torch.no_grad():
            for x, y in loader:
                total += F.cross_entropy(net(x), y).item()
        return total / len(loader)

    model = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.Dropout(0.2), torch.nn.Linear(32, 3))
    optimizer = torch.optim.Adam(model.parameters())
    for epoch in range(50):
        for x, y in train_loader:
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()
        print(epoch, run_validation(model, val_loader))
    """, "NN502")


def test_nn502_self_model_eval_in_a_trainer_method():
    check("""
    import torch
    import torch.nn.functional as F

    class Trainer:
        def __init__(self, model, lr=1e-3):
            self.model = model
            self.optimizer = torch.optim.Adam(self.model.parameters(), lr=lr)

        def val_batch_loss(self, x, y):
            self.model.eval()  # expect: NN502
            with torch.no_grad():
                return F.cross_entropy(self.model(x), y).item()

        def fit(self, loader, val_x, val_y, epochs=10):
            for epoch in range(epochs):
                for x, y in loader:
                    self.optimizer.zero_grad()
                    F.cross_entropy(self.model(x), y).backward()
                    self.optimizer.step()
                print(epoch, self.val_batch_loss(val_x, val_y))
    """, "NN502")


def test_nn502_self_model_restored_in_a_trainer_method_is_silent():
    check("""
    import torch
    import torch.nn.functional as F

    class Trainer:
        def __init__(self, model, lr=1e-3):
            self.model = model
            self.optimizer = torch.optim.Adam(self.model.parameters(), lr=lr)

        def fit(self, loader, val_x, val_y, epochs=10):
            for epoch in range(epochs):
                self.model.train()
                for x, y in loader:
                    self.optimizer.zero_grad()
                    F.cross_entropy(self.model(x), y).backward()
                    self.optimizer.step()
                self.model.eval()
                with torch.no_grad():
                    print(epoch, F.cross_entropy(self.model(val_x), val_y).item())
    """, "NN502")


def test_nn502_ddp_module_eval_and_wrapper_train_are_the_same_model():
    check("""
    import torch
    from torch.nn.parallel import DistributedDataParallel as DDP

    model = DDP(net.cuda())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(90):
        model.train()
        for x, y in loader:
            optimizer.zero_grad()
            criterion(model(x), y).backward()
            optimizer.step()
        model.module.eval()
        with torch.no_grad():
            print(criterion(model.module(val_x), val_y).item())

    for epoch in range(90):
        for x, y in loader:
            optimizer.zero_grad()
            criterion(model(x), y).backward()
            optimizer.step()
        model.module.eval()  # expect: NN502
        with torch.no_grad():
            print(criterion(model.module(val_x), val_y).item())
    """, "NN502")


def test_nn502_frozen_feature_extractor_is_silent():
    check("""
    import torch
    import torch.nn.functional as F
    import torchvision

    vgg = torchvision.models.vgg16(weights="DEFAULT").features[:16]
    for p in vgg.parameters():
        p.requires_grad = False
    opt_g = torch.optim.Adam(generator.parameters(), lr=2e-4)
    for epoch in range(100):
        for lr_img, hr_img in loader:
            vgg.eval()
            opt_g.zero_grad()
            sr = generator(lr_img)
            loss = F.l1_loss(sr, hr_img) + 0.006 * F.mse_loss(vgg(sr), vgg(hr_img))
            loss.backward()
            opt_g.step()
    """, "NN502")


def test_nn502_train_false_counts_as_eval():
    check("""
    import torch

    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(20):
        for x, y in loader:
            optimizer.zero_grad()
            criterion(model(x), y).backward()
            optimizer.step()
        model.train(False)  # expect: NN502
        with torch.no_grad():
            print(criterion(model(val_x), val_y).item())
    """, "NN502")


def test_nn502_train_with_computed_mode_counts_as_restoring():
    check("""
    import torch

    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(20):
        for phase in ("train", "val"):
            training = phase == "train"
            model.train(training)
            for x, y in loaders[phase]:
                optimizer.zero_grad()
                with torch.set_grad_enabled(training):
                    loss = criterion(model(x), y)
                if training:
                    loss.backward()
                    optimizer.step()
        model.eval()
        with torch.no_grad():
            print(criterion(model(val_x), val_y).item())
    """, "NN502")


def test_nn502_train_true_restores():
    check("""
    import torch

    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(20):
        model.train(True)
        for x, y in loader:
            optimizer.zero_grad()
            criterion(model(x), y).backward()
            optimizer.step()
        model.train(False)
        with torch.no_grad():
            print(criterion(model(val_x), val_y).item())
    """, "NN502")


def test_nn502_eval_after_the_training_loop_is_silent():
    check("""
    import torch

    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(20):
        for x, y in loader:
            optimizer.zero_grad()
            criterion(model(x), y).backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        print(criterion(model(test_x), test_y).item())
    """, "NN502")


def test_nn502_eval_in_a_no_grad_decorated_validation_helper():
    check("""
    import torch
    import torch.nn.functional as F

    @torch.no_grad()
    def validation_loss(net, xs, ys):
        net.eval()  # expect: NN502
        return F.mse_loss(net(xs), ys).item()

    model = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.Dropout(0.2), torch.nn.Linear(32, 1))
    optimizer = torch.optim.Adam(model.parameters())
    for epoch in range(50):
        for x, y in train_loader:
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()
        print(epoch, validation_loss(model, val_x, val_y))
    """, "NN502")


def test_nn502_restored_by_a_training_helper_under_another_name():
    check("""
    import torch
    import torch.nn.functional as F

    def train_batch(net, opt, x, y):
        net.train()
        opt.zero_grad()
        F.cross_entropy(net(x), y).backward()
        opt.step()

    def val_acc(net, x, y):
        net.eval()
        with torch.no_grad():
            acc = (net(x).argmax(1) == y).float().mean().item()
        net.train()
        return acc

    model = torch.nn.Linear(4, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for step, (x, y) in enumerate(loader):
        train_batch(model, optimizer, x, y)
        if step % 100 == 0:
            model.eval()
            with torch.no_grad():
                print(model(val_x))

    for step, (x, y) in enumerate(loader):
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
        if step % 100 == 0:
            print(val_acc(model, val_x, val_y))
    """, "NN502")


def test_nn502_eval_inside_a_nested_validation_loop_is_reported_once():
    check("""
    import torch

    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(10):
        for x, y in loader:
            optimizer.zero_grad()
            criterion(model(x), y).backward()
            optimizer.step()
        for x, y in val_loader:
            model.eval()  # expect: NN502
            with torch.no_grad():
                print(model(x))
    """, "NN502")


def test_nn502_restoring_another_model_does_not_count():
    check("""
    import torch

    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4)
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4)
    for epoch in range(200):
        for real in loader:
            opt_d.zero_grad()
            d_loss(D(real), D(G(z).detach())).backward()
            opt_d.step()
            opt_g.zero_grad()
            g_loss(D(G(z))).backward()
            opt_g.step()
        G.eval()  # expect: NN502
        with torch.no_grad():
            save_grid(G(fixed_z))
        D.train()
    """, "NN502")


def test_nn502_ema_and_teacher_models_are_not_trained_by_the_loop():
    check("""
    import torch
    import torch.nn.functional as F

    optimizer = torch.optim.Adam(student.parameters(), lr=1e-3)
    ema_model = torch.optim.swa_utils.AveragedModel(student)
    for epoch in range(50):
        student.train()
        for x, y in loader:
            teacher.eval()
            with torch.no_grad():
                soft = teacher(x).softmax(-1)
            optimizer.zero_grad()
            F.kl_div(student(x).log_softmax(-1), soft, reduction="batchmean").backward()
            optimizer.step()
            ema_model.update_parameters(student)
        ema_model.eval()
        with torch.no_grad():
            print(F.cross_entropy(ema_model(val_x), val_y).item())
    """, "NN502")


def test_nn502_optimizer_built_from_parameter_groups_or_a_filter():
    check("""
    import torch

    optimizer = torch.optim.AdamW([
        {"params": model.backbone.parameters(), "lr": 1e-5},
        {"params": model.head.parameters()},
    ])
    for epoch in range(26):
        for images, targets in loader:
            optimizer.zero_grad()
            criterion(model(images), targets).backward()
            optimizer.step()
        model.eval()  # expect: NN502
        with torch.no_grad():
            print(model(val_x))

    sgd = torch.optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=0.02)
    for epoch in range(26):
        for images, targets in loader:
            sgd.zero_grad()
            criterion(model(images), targets).backward()
            sgd.step()
        model.to("cpu").eval()  # expect: NN502
        with torch.no_grad():
            print(model(val_x))
    """, "NN502")


def test_nn502_optimizer_built_from_a_parameter_list_variable():
    check("""
    import torch

    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(params, lr=0.02, momentum=0.9)
    for epoch in range(26):
        for images, targets in loader:
            optimizer.zero_grad()
            criterion(model(images), targets).backward()
            optimizer.step()
        model.eval()  # expect: NN502
        with torch.no_grad():
            print(model(val_x))
    """, "NN502")


def test_nn502_optimizer_construction_not_visible_counts_when_the_model_is_called():
    check("""
    import torch

    def fit(model, opt, loader, val_x):
        for epoch in range(5):
            for x, y in loader:
                opt.zero_grad()
                criterion(model(x), y).backward()
                opt.step()
            model.eval()  # expect: NN502
            with torch.no_grad():
                print(model(val_x))
    """, "NN502")


# ============================================================================================
# NN503 eval-without-no-grad: the evaluation function names


@pytest.mark.parametrize("name", ["evaluate", "validate", "test", "predict", "inference"])
def test_nn503_each_evaluation_function_name(name):
    check(f"""
    import torch

    def {name}(model, loader):
        hits = 0
        for x, y in loader:
            hits += (model(x).argmax(1) == y).sum().item()  # expect: NN503
        return hits / len(loader.dataset)
    """, "NN503")


def test_nn503_names_that_only_contain_an_evaluation_name_are_silent():
    check("""
    import torch

    def evaluate_model(model, loader):
        return [model(x) for x, _ in loader]

    def test_forward():
        net = Net()
        out = net(torch.randn(2, 3))
        assert out.shape == (2, 10)

    def run_inference_batch(model, x):
        return model(x).softmax(-1)
    """, "NN503")


def test_nn503_evaluation_method_of_a_trainer():
    check("""
    import torch

    class Runner:
        def __init__(self, model):
            self.model = model

        def validate(self, loader):
            self.model.eval()
            return sum(self.criterion(self.model(x), y).item() for x, y in loader)  # expect: NN503
    """, "NN503")


# ============================================================================================
# NN503: how autograd is turned off


def test_nn503_from_torch_import_no_grad():
    check("""
    from torch import no_grad

    def evaluate(model, loader):
        model.eval()
        with no_grad():
            return [model(x).argmax(1) for x, _ in loader]

    @no_grad()
    def validate(model, loader):
        model.eval()
        return [model(x).argmax(1) for x, _ in loader]

    def inference(model, loader):
        model.eval()
        return [model(x).argmax(1) for x, _ in loader]  # expect: NN503
    """, "NN503")


def test_nn503_from_torch_autograd_import_no_grad():
    check("""
    import torch
    from torch.autograd import no_grad

    def evaluate(model, loader):
        model.eval()
        with no_grad():
            return [model(x).argmax(1) for x, _ in loader]

    @no_grad()
    def validate(model, loader):
        model.eval()
        return [model(x).argmax(1) for x, _ in loader]

    def inference(model, loader):
        model.eval()
        return [model(x).argmax(1) for x, _ in loader]  # expect: NN503
    """, "NN503")


def test_nn503_import_torch_as_alias_no_grad():
    check("""
    import torch as T

    @T.no_grad()
    def evaluate(model, loader):
        model.eval()
        return [model(x).argmax(1) for x, _ in loader]

    def validate(model, loader):
        model.eval()
        with T.inference_mode():
            return [model(x).argmax(1) for x, _ in loader]

    def test(model, loader):
        model.eval()
        return [model(x).argmax(1) for x, _ in loader]  # expect: NN503
    """, "NN503")


def test_nn503_inference_mode_context_and_decorators():
    check("""
    import torch

    def evaluate(model, loader):
        model.eval()
        with torch.inference_mode():
            return [model(x).argmax(1) for x, _ in loader]

    @torch.inference_mode()
    def validate(model, loader):
        model.eval()
        return [model(x).argmax(1) for x, _ in loader]

    @torch.inference_mode
    def predict(model, loader):
        model.eval()
        return [model(x).argmax(1) for x, _ in loader]

    def inference(model, loader):
        model.eval()
        return [model(x).argmax(1) for x, _ in loader]  # expect: NN503
    """, "NN503")


def test_nn503_no_grad_decorator_without_parentheses():
    check("""
    import torch

    @torch.no_grad
    def evaluate(model, loader):
        model.eval()
        return [model(x).argmax(1) for x, _ in loader]

    def inference(model, loader):
        model.eval()
        return [model(x).argmax(1) for x, _ in loader]  # expect: NN503
    """, "NN503")


def test_nn503_set_grad_enabled_false_as_context():
    check("""
    import torch

    def evaluate(model, loader):
        model.eval()
        with torch.set_grad_enabled(False):
            return [model(x).argmax(1) for x, _ in loader]

    def validate(model, loader):
        model.eval()
        with torch.set_grad_enabled(True):
            return [model(x).argmax(1) for x, _ in loader]  # expect: NN503
    """, "NN503")


def test_nn503_set_grad_enabled_false_as_a_plain_call():
    check("""
    import torch

    def evaluate(model, loader):
        torch.set_grad_enabled(False)
        model.eval()
        correct = 0
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
        torch.set_grad_enabled(True)
        return correct

    def validate(model, loader):
        torch.set_grad_enabled(True)
        model.eval()
        correct = 0
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()  # expect: NN503
        return correct
    """, "NN503")


def test_nn503_set_grad_enabled_with_a_computed_mode():
    check("""
    import torch

    def run_epoch(model, loader, phase):
        if phase == "train":
            model.train()
        else:
            model.eval()
        for x, y in loader:
            with torch.set_grad_enabled(phase == "train"):
                out = model(x)

    def run_val_epoch(model, loader):
        model.eval()
        for x, y in loader:
            out = model(x)  # expect: NN503
    """, "NN503")


def test_nn503_enable_grad_inside_a_no_grad_function_is_silent():
    # The catalog keeps functions decorated with `@torch.no_grad()` silent; an explicit
    # `enable_grad()` block inside one is a deliberate choice of the author.
    check("""
    import torch

    @torch.no_grad()
    def evaluate(model, loader):
        model.eval()
        outs = []
        for x, _ in loader:
            with torch.enable_grad():
                outs.append(model(x))
        return outs

    def validate(model, loader):
        model.eval()
        outs = []
        for x, _ in loader:
            outs.append(model(x))  # expect: NN503
        return outs
    """, "NN503")


def test_nn503_a_local_no_grad_is_not_torch_no_grad():
    check("""
    import contextlib

    import torch

    @contextlib.contextmanager
    def no_grad():
        yield

    def evaluate(model, loader):
        model.eval()
        with no_grad():
            return [model(x).argmax(1) for x, _ in loader]  # expect: NN503
    """, "NN503")


def test_nn503_function_called_under_no_grad_by_its_caller_is_silent():
    check("""
    import torch

    def evaluate(model, loader):
        model.eval()
        return sum((model(x).argmax(1) == y).sum().item() for x, y in loader)

    def validate(model, loader):
        model.eval()
        return sum((model(x).argmax(1) == y).sum().item() for x, y in loader)

    @torch.no_grad()
    def report(model, loader):
        return validate(model, loader)

    def test(model, loader):
        model.eval()
        return sum((model(x).argmax(1) == y).sum().item() for x, y in loader)  # expect: NN503

    for epoch in range(10):
        with torch.no_grad():
            acc = evaluate(model, val_loader)
        print(epoch, acc, report(model, val_loader), test(model, val_loader))
    """, "NN503")


# ============================================================================================
# NN503: what counts as evaluation and as a model call


def test_nn503_predict_method_returning_raw_output_is_silent():
    check("""
    import torch
    from torch import nn

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 4))

        def forward(self, x):
            return self.net(x)

        def predict(self, x):
            return self.net(x)
    """, "NN503")


def test_nn503_predict_method_returning_labels_fires():
    check("""
    import torch
    from torch import nn

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 4))

        def forward(self, x):
            return self.net(x)

        def predict(self, x):
            return self.net(x).argmax(1)  # expect: NN503
    """, "NN503")


def test_nn503_eval_loop_with_autograd_grad_is_silent():
    check("""
    import torch
    from torch.autograd import grad

    def saliency(model, loader):
        model.eval()
        maps = []
        for x, y in loader:
            x.requires_grad_(True)
            score = model(x).gather(1, y[:, None]).sum()
            (g,) = torch.autograd.grad(score, x)
            maps.append(g.abs().amax(1))
        return maps

    def validate(model, loader):
        model.eval()
        norms = []
        for x, y in loader:
            x.requires_grad_(True)
            (g,) = grad(model(x).sum(), x)
            norms.append(g.norm())
        return norms

    def test(model, loader):
        model.eval()
        norms = []
        for x, y in loader:
            norms.append(model(x).norm())  # expect: NN503
        return norms
    """, "NN503")


def test_nn503_list_comprehension_after_eval_fires():
    check("""
    import torch

    def collect_predictions(model, batches):
        model.eval()
        preds = [model(x).argmax(1) for x in batches]  # expect: NN503
        return torch.cat(preds)
    """, "NN503")


def test_nn503_eval_followed_by_training_is_silent():
    # Fine-tuning with frozen batch-norm statistics: eval() then backward().
    check("""
    import torch

    def finetune(model, loader, optimizer):
        model.eval()
        for x, y in loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()

    def score(model, loader):
        model.eval()
        total = 0.0
        for x, y in loader:
            total += criterion(model(x), y).item()  # expect: NN503
        return total
    """, "NN503")


def test_nn503_torchvision_model_under_an_unusual_name():
    check("""
    import torch
    import torchvision

    r18 = torchvision.models.resnet18(weights=None)

    def evaluate(loader):
        hits = 0
        for x, y in loader:
            hits += (r18(x).argmax(1) == y).sum().item()  # expect: NN503
        return hits
    """, "NN503")


def test_nn503_torchvision_model_from_import():
    check("""
    import torch
    from torchvision.models import resnet18

    r18 = resnet18(num_classes=10)
    r18.load_state_dict(torch.load("r18.pt"))
    r18.eval()
    top1 = [r18(x).argmax(1) for x, _ in test_loader]  # expect: NN503
    """, "NN503")


def test_nn503_local_module_subclass_under_an_unusual_name():
    check("""
    import torch
    from torch import nn

    class Tagger(nn.Module):
        def __init__(self, vocab, tags):
            super().__init__()
            self.emb = nn.Embedding(vocab, 64)
            self.out = nn.Linear(64, tags)

        def forward(self, tokens):
            return self.out(self.emb(tokens))

    tagger = Tagger(1000, 17)

    def predict(tokens):
        return tagger(tokens).argmax(-1)  # expect: NN503
    """, "NN503")


def test_nn503_criterion_calls_are_not_model_calls():
    check("""
    import torch
    import torch.nn.functional as F
    from torch import nn

    criterion = nn.CrossEntropyLoss()
    bce = nn.BCEWithLogitsLoss()

    def validate(model, loader):
        model.eval()
        total = 0.0
        for x, y in loader:
            with torch.no_grad():
                logits = model(x)
            total += criterion(logits, y).item() + bce(logits, F.one_hot(y, 10).float()).item()
        return total / len(loader)
    """, "NN503")


def test_nn503_raw_output_functions_and_eval_functions():
    check("""
    import torch

    def predict(model, x):
        return model(x)

    def validate(model, x):
        out = model(x)
        return out

    def inference(model, x):
        model.eval()
        return model(x)  # expect: NN503
    """, "NN503")


def test_nn503_methods_of_a_module():
    check("""
    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 2)

        def forward(self, x):
            return self.fc(x)

        def evaluate(self, loader):
            self.eval()
            return [self(x).argmax(1) for x, _ in loader]  # expect: NN503

        def predict(self, x):
            return self.fc(x).squeeze(1)
    """, "NN503")


def test_nn503_what_runs_the_model_after_eval():
    check("""
    import torch

    def embed_all(model, loader):
        model.eval()
        return [model.encoder(x) for x in loader]  # expect: NN503

    def count_parameters(model, loader):
        model.eval()
        return [sum(p.numel() for p in model.parameters()) for _ in loader]

    def robust_accuracy(model, loader):
        model.eval()
        attack = torchattacks.PGD(model, eps=8 / 255)
        return [model(attack(x, y)).argmax(1) for x, y in loader]

    def ensemble(nets, x):
        outs = []
        for net in nets:
            net.eval()
            outs.append(net(x))  # expect: NN503
        return outs

    def evaluate(m, loader):
        m.eval()
        return [m(x).argmax(1) for x, _ in loader]  # expect: NN503
    """, "NN503")


def test_nn503_method_called_under_no_grad_by_another_method_is_silent():
    check("""
    import torch

    class Runner:
        def __init__(self, model):
            self.model = model

        def validate(self, loader):
            self.model.eval()
            return [self.model(x) for x, _ in loader]

        def fit(self, loader):
            with torch.inference_mode():
                print(self.validate(loader))
    """, "NN503")


def test_nn503_caller_under_set_grad_enabled_false_is_enough():
    check("""
    import torch

    def evaluate(model, loader):
        model.eval()
        return [model(x).argmax(1) for x, _ in loader]

    def validate(model, loader):
        model.eval()
        return [model(x).argmax(1) for x, _ in loader]

    def main():
        with torch.set_grad_enabled(False):
            evaluate(model, loader)
        evaluate(model, loader)  # one guarded call site is enough
        torch.set_grad_enabled(False)
        validate(model, loader)
    """, "NN503")


def test_nn503_set_grad_enabled_with_a_computed_mode_as_a_plain_call():
    check("""
    import torch

    def run_epoch(model, loader, is_train):
        torch.set_grad_enabled(is_train)
        model.eval()
        for x in loader:
            model(x)

    def run_val_epoch(model, loader):
        model.eval()
        for x in loader:
            model(x)  # expect: NN503
    """, "NN503")


def test_nn503_module_level_script_with_set_grad_enabled_false():
    script = """
    import torch

    torch.set_grad_enabled(False)
    model = torch.load("model.pt")
    model.eval()
    for x in loader:
        print(model(x).argmax(1))
    """
    check(script, "NN503")
    assert codes(script.replace("torch.set_grad_enabled(False)", "torch.set_grad_enabled(True)"), "NN503") \
        == [(8, "NN503")]


def test_nn503_module_level_set_grad_enabled_false_covers_its_functions():
    check("""
    import torch

    torch.set_grad_enabled(False)

    def main(model, loader):
        model.eval()
        for x, _ in loader:
            print(model(x).argmax(1))
    """, "NN503")


def test_nn503_enable_grad_for_a_gradient_is_silent():
    check("""
    import torch

    def evaluate(model, loader):
        model.eval()
        sal = []
        with torch.no_grad():
            for x, _ in loader:
                with torch.enable_grad():
                    x.requires_grad_(True)
                    (g,) = torch.autograd.grad(model(x).max(1).values.sum(), x)
                sal.append(g)
        return sal
    """, "NN503")


def test_nn503_model_made_by_a_subclass_of_a_local_module_base():
    check("""
    import torch
    from torch import nn

    class Base(nn.Module):
        def forward(self, x):
            return self.out(x)

    class Tagger(Base):
        def __init__(self):
            super().__init__()
            self.out = nn.Linear(64, 17)

    tagger = Tagger()

    def predict(tokens):
        return tagger(tokens).argmax(-1)  # expect: NN503
    """, "NN503")


def test_nn503_transformers_generate_is_already_no_grad():
    check("""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    lm = AutoModelForCausalLM.from_pretrained("gpt2")
    tok = AutoTokenizer.from_pretrained("gpt2")

    def evaluate(prompts):
        lm.eval()
        return [tok.decode(lm.generate(**tok(p, return_tensors="pt"))[0]) for p in prompts]
    """, "NN503")


# ============================================================================================
# Modules that do not import torch


def test_modules_without_torch_never_get_training_loop_findings():
    source = """
    import numpy as np
    from micrograd.nn import MLP

    model = MLP(3, [16, 16, 1])
    for epoch in range(100):
        for x, y in zip(xs, ys):
            loss = (model(x) - y) ** 2
            loss.backward()
            optimizer.step()
        model.eval()

    def evaluate(model, loader):
        model.eval()
        return [model(x) for x in loader]
    """
    assert codes(source, "NN5") == []
    # The same code with torch imported is reported by all three rules.
    found = {code for _, code in codes("import torch\n" + textwrap.dedent(source), "NN5")}
    assert {"NN501", "NN502", "NN503"} <= found


def test_a_tensorflow_module_never_gets_training_loop_findings():
    source = """
    import tensorflow as tf

    def evaluate(model, dataset):
        model.eval()
        return [model(x, training=False) for x, _ in dataset]
    """
    result = lint(source, "NN5")
    assert result.diagnostics == []
    assert result.internal_errors == []


def test_nn501_distributed_autograd_keeps_gradients_in_its_context():
    check("""
    import torch.distributed.autograd as dist_autograd
    from torch.distributed.optim import DistributedOptimizer
    import torch.optim as optim

    def run_trainer(model, loader):
        optimizer = DistributedOptimizer(optim.SGD, model.parameter_rrefs(), lr=0.05)
        for x, y in loader:
            with dist_autograd.context() as context_id:
                loss = model(x).sum()
                dist_autograd.backward(context_id, [loss])
                optimizer.step(context_id)
    """, "NN501")
