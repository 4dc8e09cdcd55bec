"""A one-screen summary of what a config repo holds, per agent."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from agentctl.repo import RepoLike, as_repo


@dataclass
class AgentSummary:
    name: str
    prompt: str
    tools: list[str]
    kb: str
    owner: str


@dataclass
class RepoSummary:
    root: str
    agents: list[AgentSummary]

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def summarize_repo(repo: RepoLike) -> RepoSummary:
    """Each agent with its prompt version, tool contract versions, KB size and owner."""
    repo = as_repo(repo)
    root = repo.root
    ws = repo.workspace_lenient  # summarise whatever loaded; validate reports the rest
    agents = []
    for agent in ws.agents.values():
        prompt = ws.prompts.get(agent.prompt)
        tools = [f"{t.contract} {ws.contracts[t.contract].version}" if t.contract in ws.contracts else t.contract
                 for t in agent.tools]
        kb = ws.kbs.get(agent.kb) if agent.kb else None
        agents.append(AgentSummary(
            name=agent.name,
            prompt=f"{agent.prompt} v{prompt.version}" if prompt else agent.prompt,
            tools=tools,
            kb=f"{kb.name} v{kb.version} ({len(kb.documents)} docs)" if kb else "-",
            owner=ws.config.owner_of("agents", agent.name) or "-",
        ))
    return RepoSummary(str(root), agents)
