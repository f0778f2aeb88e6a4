"""The HTTP session every Bot API call goes through: aiogram's, minus two costs per call."""

from __future__ import annotations

from typing import Any, ClassVar, cast

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import InputFile
from aiohttp import ClientError

JSON_HEADERS = {"Content-Type": "application/json"}


class HelplineSession(AiohttpSession):
    """Requests go as JSON (the Bot API takes `application/json`): aiogram sends a form, each
    nested object (the keyboard) JSON-encoded in it, then the whole URL-encoded character by
    character; only requests with files need a form, and they still get aiogram's.

    aiogram reads each answer with the generic model `Response[T]`, and pydantic keeps such
    classes only in a weak cache: after a garbage collection the next answer rebuilds the class
    and its schema (about 4 ms). Under load that was 11% of the bot's CPU (py-spy). Holding the
    classes here makes it once per result type."""

    _response_types: ClassVar[dict[Any, type]] = {}

    def check_response(
        self, bot: Bot, method: TelegramMethod[TelegramType], status_code: int, content: str
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self._response_types:
            self._response_types[returning] = Response[returning]  # type: ignore[name-defined]
        return super().check_response(bot, method, status_code, content)

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> TelegramType:
        files: dict[str, InputFile] = {}
        body = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared is not None and prepared != "":
                body[key] = prepared
        if files:  # uploads: a multipart form
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            async with session.post(
                url,
                data=self.json_dumps(body).encode(),
                headers=JSON_HEADERS,
                timeout=self.timeout if timeout is None else timeout,
            ) as response:
                content = await response.text()
        except TimeoutError as error:
            raise TelegramNetworkError(method=method, message="Request timeout error") from error
        except ClientError as error:
            message = f"{type(error).__name__}: {error}"
            raise TelegramNetworkError(method=method, message=message) from error
        checked = self.check_response(bot, method, response.status, content)
        return cast(TelegramType, checked.result)
