"""The local engine: a GGUF model run by llama.cpp (llama-cpp-python) on this machine.

The prompt is built with the chat template from the model's own metadata and sampled through
llama.cpp's native sampler chain; the only per-token Python work is one detokenize and one yield.
"""

from __future__ import annotations

import codecs
import ctypes
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, cast

import jinja2

from app.core.chat.context import MAX_CHARS_PER_TOKEN
from app.core.engines import placement, tensor_overrides
from app.core.engines.base import (
    ChatMessage,
    Engine,
    Generation,
    GenerationOptions,
    GenerationStats,
    StatsClock,
)
from app.core.engines.threads import ThreadChooser
from app.core.errors import EnclaveError, ModelFileError
from app.core.models import gguf

log = logging.getLogger(__name__)

# Used only when a GGUF carries no chat template (rare for instruct models).
CHATML_TEMPLATE = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content']"
    " + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|im_start|>assistant\n' }}{% endif %}"
)


class LocalEngine(Engine):
    """Owns one ``llama_cpp.Llama``. Lives on, and is only ever called from, one thread."""

    kind = "local"

    def __init__(
        self,
        path: str | Path,
        *,
        model_id: str | None = None,
        context_length: int = 4096,
        gpu_layers: int = -1,
        threads: int = 0,
    ):
        path = Path(path)
        self.info = gguf.read(path)  # a clear ModelFileError for missing/empty/damaged files
        super().__init__(model_id or path.stem)
        self.path = path
        n_ctx, need = placement.context_and_need(self.info, context_length)
        # threads=0: chosen before each answer from how busy the CPUs are (engines/threads.py)
        self._thread_chooser = chooser = ThreadChooser() if not threads else None
        threads = chooser.last if chooser else threads
        self.threads = threads

        from app.core.engines import llama_lib

        llama_cpp = llama_lib.load()  # imported here: loading the native library takes a moment

        self._llama_cpp = llama_cpp

        def load(where: placement.Placement):
            options, in_cpu_memory = load_options(where, llama_cpp)
            with (
                llama_lib.captured_log(llama_cpp) as lines,
                tensor_overrides.tensors_in_cpu_memory(llama_cpp, in_cpu_memory) as overrides,
            ):
                try:
                    model = llama_lib.new_llama(
                        llama_cpp,
                        model_path=str(path),
                        n_ctx=n_ctx,
                        n_threads=threads,
                        n_threads_batch=threads,
                        verbose=False,
                        **options,
                    )
                    model._tensor_overrides = overrides  # alive as long as the model
                except (ValueError, RuntimeError, OSError) as exc:
                    said = "".join(lines)
                    if where.layers_on_gpu and placement.OUT_OF_MEMORY.search(said):
                        log.warning(
                            "loading %s with %d GPU layers ran out of memory: %s",
                            path,
                            where.layers_on_gpu,
                            said[-500:],
                        )
                        raise placement.OutOfDeviceMemory(str(exc)) from exc
                    raise ModelFileError(
                        f"llama.cpp could not load the model file {path} ({exc}). The file may "
                        f"be damaged or made for a newer llama.cpp: delete it and download it "
                        f"again, or update Enclave.",
                        path,
                    ) from exc
            return model, where.verified("".join(lines))

        self._llama, self.placement = placement.load_with_fallback(
            load, placement.for_model(need, gpu_layers)
        )
        self._vocab = self._llama._model.vocab
        self._piece_buffer = ctypes.create_string_buffer(64)

        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        model = self._llama._model
        eos, bos = self._llama.token_eos(), self._llama.token_bos()
        tokens: dict[str, Any] = {
            "eos_token": model.token_get_text(eos) if eos != -1 else "",
            "bos_token": model.token_get_text(bos) if bos != -1 else "",
        }
        template, formatter = self.info.chat_template, None
        try:
            formatter = Jinja2ChatFormatter(template=template, **tokens) if template else None
        except jinja2.TemplateError as exc:
            log.warning("chat template of %s unusable (%s); using ChatML", path, exc)
        self.chat_template_source = "model" if formatter else "fallback (ChatML)"
        self._formatter = formatter or Jinja2ChatFormatter(template=CHATML_TEMPLATE, **tokens)
        log.info(
            "loaded %s: n_ctx=%d on %s%s threads=%d template=%s",
            path,
            n_ctx,
            self.placement.label,
            f" ({self.placement.reason})" if self.placement.reason else "",
            threads,
            self.chat_template_source,
        )

    # -- Engine --------------------------------------------------------------------------------

    @property
    def context_length(self) -> int:
        return self._llama.n_ctx()

    def format_prompt(self, messages: Iterable[ChatMessage]) -> str:
        """The exact prompt text the model's chat template makes of these messages."""
        try:
            return self._formatter(messages=[cast(Any, m.as_dict()) for m in messages]).prompt
        except (jinja2.TemplateError, ValueError) as exc:  # raise_exception() in a template
            raise EnclaveError(
                f"The chat template of {self.path.name} refused this conversation ({exc}). "
                f"Some models need strictly alternating user and assistant messages: start a "
                f"new chat, or use another model."
            ) from exc

    def _tokenize_prompt(self, messages: Iterable[ChatMessage]) -> list[int]:
        # The template writes BOS itself where the model wants one; special=True parses the
        # template's control tokens (<|im_start|> …) into their single token ids.
        return self._llama.tokenize(
            self.format_prompt(messages).encode("utf-8"), add_bos=False, special=True
        )

    def count_tokens(self, messages: Iterable[ChatMessage]) -> int:
        return len(self._tokenize_prompt(messages))

    def truncate(self, text: str, max_tokens: int) -> str:
        text = text[: max_tokens * MAX_CHARS_PER_TOKEN]  # never tokenise a giant paste whole
        tokens = self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=False)
        if len(tokens) <= max_tokens:
            return text
        return self._llama.detokenize(tokens[:max_tokens]).decode("utf-8", errors="ignore")

    def stream(
        self, messages: list[ChatMessage], *, options: GenerationOptions, cancel: threading.Event
    ) -> Generation:
        stats = GenerationStats()
        return Generation(self._generate(messages, options, cancel, stats), stats)

    def close(self) -> None:
        llama, self._llama = getattr(self, "_llama", None), None
        if llama is not None:
            llama.close()

    # -- generation ----------------------------------------------------------------------------

    def _generate(
        self, messages, options: GenerationOptions, cancel: threading.Event, stats: GenerationStats
    ) -> Iterator[str]:
        clock = StatsClock(stats)
        if self._thread_chooser:
            threads = self._thread_chooser.choose()
            if threads != self.threads:
                self._llama._ctx.set_n_threads(threads, threads)
                self.threads = threads
        stats.threads = self.threads
        prompt = self._tokenize_prompt(messages)
        stats.prompt_tokens = len(prompt)
        room = self.context_length - len(prompt)
        if room <= 0:
            raise ValueError(
                "prompt does not fit the context; fit it with app.core.chat.context first"
            )
        max_tokens = min(options.max_tokens, room)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        is_eog = self._llama_cpp.llama_vocab_is_eog
        piece = self._piece
        reason = "length"
        reading = _Reading(options.on_prompt_progress, len(prompt))
        if not self._prefill(prompt, cancel, reading):
            clock.finish("cancelled")
            return
        llama = self._llama
        seed = llama._seed
        if options.seed is not None:
            # Any integer, as clients send them, into llama.cpp's 32 bits; never 0xFFFFFFFF,
            # which llama.cpp reads as "pick a random seed".
            llama.set_seed(options.seed % 0xFFFFFFFF)
        # Only when given: a grammar bound to ``generate`` by a caller stays in force otherwise.
        constrained = {"grammar": options.grammar} if options.grammar is not None else {}
        tokens = llama.generate(
            prompt,
            top_k=options.top_k,
            top_p=options.top_p,
            min_p=options.min_p,
            temp=options.temperature,
            repeat_penalty=options.repeat_penalty,
            **constrained,
        )
        try:
            for count, token in enumerate(tokens, start=1):
                if count == 1:
                    reading.done()
                if cancel.is_set():
                    reason = "cancelled"
                    break
                if is_eog(self._vocab, token):
                    reason = "stop"
                    break
                text = decoder.decode(piece(token))
                clock.token()
                if text:
                    yield text
                if count >= max_tokens:
                    break
                if cancel.is_set():  # before asking for the next token, which costs a decode
                    reason = "cancelled"
                    break
        finally:
            tokens.close()
            llama.set_seed(seed)  # the seed is sampled from when generate starts: restore now
            tail = decoder.decode(b"", final=True)
            clock.finish(reason)
        if tail:
            yield tail

    def _piece(self, token: int) -> bytes:
        """A token's text, special tokens included: a reasoning model's markers (gpt-oss's
        ``<|channel|>``, ``<|message|>``, ``<|end|>``) are control tokens, and the thinking parser
        needs to see them. End-of-generation tokens never get here."""
        buffer = self._piece_buffer
        n = self._llama_cpp.llama_token_to_piece(self._vocab, token, buffer, len(buffer), 0, True)
        if n < 0:  # longer than the buffer: -n bytes are needed
            self._piece_buffer = buffer = ctypes.create_string_buffer(-n)
            n = self._llama_cpp.llama_token_to_piece(
                self._vocab, token, buffer, len(buffer), 0, True
            )
        return buffer.raw[:n]

    def _prefill(self, prompt: list[int], cancel: threading.Event, reading: _Reading) -> bool:
        """Evaluate a long prompt a batch at a time, checking ``cancel`` and reporting progress
        between batches, and leave the last batch to ``generate`` (one decode call, as a single
        batch would be).

        Checking here rather than in llama.cpp's abort callback keeps Python (and so the GIL)
        out of llama.cpp's compute threads. Returns False if cancelled.
        """
        llama = self._llama
        cached, limit = 0, min(llama.n_tokens, len(prompt) - 1)
        input_ids = llama.input_ids
        while cached < limit and input_ids[cached] == prompt[cached]:
            cached += 1  # the conversation so far is usually still in the KV cache
        if cached < llama.n_tokens:
            if not llama._ctx.kv_cache_seq_rm(-1, cached, -1):  # models that cannot trim
                llama.reset()
                cached = 0
            llama.n_tokens = cached
        if len(prompt) - llama.n_tokens > llama.n_batch:  # more than one decode: worth showing
            reading.read(llama.n_tokens)
        while len(prompt) - llama.n_tokens > llama.n_batch:
            if cancel.is_set():
                return False
            llama.eval(prompt[llama.n_tokens : llama.n_tokens + llama.n_batch])
            reading.read(llama.n_tokens)
        return not cancel.is_set()


class _Reading:
    """Progress through a prompt, for ``GenerationOptions.on_prompt_progress``: told only for
    prompts that take more than one batch, and always to the end once it began."""

    def __init__(self, report: Callable[[int, int], None] | None, total: int):
        self.report, self.total, self.began = report, total, False

    def read(self, done: int) -> None:
        if self.report is not None:
            self.began = True
            self.report(done, self.total)

    def done(self) -> None:
        """The whole prompt is read (its last batch by ``generate``, before the first token)."""
        if self.began and self.report is not None:
            self.began = False
            self.report(self.total, self.total)


def load_options(where: placement.Placement, llama_cpp) -> tuple[dict[str, Any], list[str]]:
    """What llama.cpp is asked for this placement: ``Llama`` keyword arguments, and the tensor
    patterns to keep in CPU memory (a MoE model's experts, when they do not all fit the GPU)."""
    if not where.layers_on_gpu:
        return {"n_gpu_layers": 0}, []
    options: dict[str, Any] = {"n_gpu_layers": where.gpu_layers, "main_gpu": where.main_gpu}
    if where.single_gpu:
        options["split_mode"] = llama_cpp.LLAMA_SPLIT_MODE_NONE
    return options, [where.expert_override] if where.expert_override else []


def engine_for(path: Path, *, model_id: str, settings) -> LocalEngine:
    """Load a local engine with the user's settings."""
    return LocalEngine(
        path,
        model_id=model_id,
        context_length=settings.context_length,
        gpu_layers=settings.gpu_layers,
        threads=settings.threads,
    )
