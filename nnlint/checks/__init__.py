"""Every rule, registered here and only here: the engine, CLI, config and docs read this list."""

from __future__ import annotations

from typing import Dict, Tuple, Type

from nnlint.checks.activation_applied_twice import ActivationAppliedTwice
from nnlint.checks.activation_on_regression_output import ActivationOnRegressionOutput
from nnlint.checks.constant_weight_init import ConstantWeightInit
from nnlint.checks.dropout_keep_prob_confusion import DropoutKeepProbConfusion
from nnlint.checks.eval_without_no_grad import EvalWithoutNoGrad
from nnlint.checks.excessive_regularization import ExcessiveRegularization
from nnlint.checks.forward_called_directly import ForwardCalledDirectly
from nnlint.checks.graph_growth_in_loop import GraphGrowthInLoop
from nnlint.checks.graph_not_finalized import GraphNotFinalized
from nnlint.checks.hand_written_logsumexp import HandWrittenLogsumexp
from nnlint.checks.inference_in_train_mode import InferenceInTrainMode
from nnlint.checks.initializer_run_in_loop import InitializerRunInLoop
from nnlint.checks.label_encoding_mismatch import LabelEncodingMismatch
from nnlint.checks.large_init_stddev import LargeInitStddev
from nnlint.checks.learning_rate_too_high import LearningRateTooHigh
from nnlint.checks.log_of_softmax import LogOfSoftmax
from nnlint.checks.log_without_epsilon import LogWithoutEpsilon
from nnlint.checks.logits_passed_as_probabilities import LogitsPassedAsProbabilities
from nnlint.checks.loss_accumulated_with_graph import LossAccumulatedWithGraph
from nnlint.checks.loss_output_mismatch import LossOutputMismatch
from nnlint.checks.missing_nonlinearity import MissingNonlinearity
from nnlint.checks.missing_zero_grad import MissingZeroGrad
from nnlint.checks.model_reloaded_in_loop import ModelReloadedInLoop
from nnlint.checks.probabilities_passed_as_logits import ProbabilitiesPassedAsLogits
from nnlint.checks.relu_on_logits import ReluOnLogits
from nnlint.checks.requires_grad_typo import RequiresGradTypo
from nnlint.checks.session_not_closed import SessionNotClosed
from nnlint.checks.sigmoid_then_bce import SigmoidThenBce
from nnlint.checks.softmax_on_single_unit import SoftmaxOnSingleUnit
from nnlint.checks.syntax_error import SyntaxErrorRule
from nnlint.checks.train_mode_not_restored import TrainModeNotRestored
from nnlint.checks.unused_noqa import UnusedNoqa
from nnlint.checks.variables_never_initialized import VariablesNeverInitialized
from nnlint.rule import Rule

ALL_RULES: Tuple[Type[Rule], ...] = (
    SyntaxErrorRule,
    UnusedNoqa,
    LogWithoutEpsilon,
    LogOfSoftmax,
    ProbabilitiesPassedAsLogits,
    LogitsPassedAsProbabilities,
    ActivationAppliedTwice,
    HandWrittenLogsumexp,
    SigmoidThenBce,
    ActivationOnRegressionOutput,
    SoftmaxOnSingleUnit,
    LabelEncodingMismatch,
    ReluOnLogits,
    MissingNonlinearity,
    LossOutputMismatch,
    GraphGrowthInLoop,
    SessionNotClosed,
    GraphNotFinalized,
    ModelReloadedInLoop,
    LossAccumulatedWithGraph,
    InitializerRunInLoop,
    VariablesNeverInitialized,
    LearningRateTooHigh,
    DropoutKeepProbConfusion,
    LargeInitStddev,
    ExcessiveRegularization,
    ConstantWeightInit,
    MissingZeroGrad,
    TrainModeNotRestored,
    EvalWithoutNoGrad,
    InferenceInTrainMode,
    ForwardCalledDirectly,
    RequiresGradTypo,
)

RULES_BY_CODE: Dict[str, Type[Rule]] = {rule.code: rule for rule in ALL_RULES}

# Codes the catalog assigns to rules not implemented yet: a noqa comment naming one is not a typo.
PLANNED_CODES: frozenset = frozenset()
